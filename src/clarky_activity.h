/*-------------------------------------------------------------------------
 *
 * clarky_activity.h
 *	  Shared declarations of the clarky_activity extension.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLARKY_ACTIVITY_H
#define CLARKY_ACTIVITY_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "validate.h"

#if PG_VERSION_NUM < 160000
#define FUNCTION_PREFIX PGDLLEXPORT
#else
#define FUNCTION_PREFIX
#endif

/* The extension's schema, fixed by the control file (relocatable = false) */
#define CLARKY_SCHEMA "clarky"

/*
 * The setting that binds a session's workspace (see workspace.c; the one
 * that confines it is in validate.h), and the workspace of a session that
 * binds none
 */
#define CLARKY_WORKSPACE_SETTING "clarky.workspace_id"
#define CLARKY_DEFAULT_WORKSPACE "default"

/* Pagination (the seed's conventions); the other limits are in validate.h */
#define CLARKY_DEFAULT_PAGE_SIZE 25
#define CLARKY_MAX_PAGE_SIZE 100

/* The trigger on clarky.activities that keeps clarky.activity_counts */
#define CLARKY_COUNTS_TRIGGER "activities_counts"

/*
 * The months the counts keep (activity_counts.c): 1970-01 (0) to 2099-12;
 * earlier activities count in the first, later ones in the last
 */
#define CLARKY_COUNT_MONTHS ((2100 - 1970) * 12)

/* "a_" and a 26-character ULID */
#define CLARKY_ACTIVITY_ID_LEN 28

/*
 * SQLSTATEs of the extension's own.  An activity that is not there (an
 * unknown id, another workspace's, a deleted one) is ERRCODE_NO_DATA_FOUND
 * (P0002), naming the id; a stale expected version is this conflict.
 */
#define CLARKY_ERRCODE_VERSION_CONFLICT MAKE_SQLSTATE('C','K','4','0','9')

/* A workspace this session may not act in or bind (workspace.c) */
#define CLARKY_ERRCODE_WORKSPACE_NOT_ALLOWED MAKE_SQLSTATE('C','K','4','0','3')

/*
 * The columns every statement selects, in the order of activity_fields.h
 * (so a ClarkyField is a column number), and one after them where a query
 * asks for a bigint more
 */
#define CLARKY_COL_EXTRA FIELD_COUNT

/*
 * An activity's values, one per field (numbered by ClarkyField), as the
 * statements select them, as log_activity inserts them and as the
 * renderer takes them
 */
typedef struct ClarkyRow
{
	Datum		values[FIELD_COUNT];
	bool		isnull[FIELD_COUNT];
} ClarkyRow;

/*
 * Whose timeline: a contact's, or a company's with the activities of its
 * people (scope "all") or without them ("direct")
 */
typedef enum ClarkyTimelineKind
{
	TIMELINE_CONTACT,
	TIMELINE_COMPANY,
	TIMELINE_COMPANY_DIRECT,
	NUM_TIMELINE_KINDS
} ClarkyTimelineKind;

/* activity_id.c */
extern void ClarkyNewActivityId(char *buf);

/* workspace.c */
extern void ClarkyWorkspaceInit(void);
extern text *ClarkyCurrentWorkspace(void);

/* payload.c */
extern const TextEncoding ClarkyDatabaseEncoding;
extern void ClarkyParsePayload(Jsonb *payload, PayloadMode mode,
							   ClarkyRow *row, bool *given);
extern void ClarkyCheckMetadata(Jsonb *metadata);
extern void ClarkyReportValidationError(const ValidationError *error);
extern void ClarkyCheckOwnerId(const char *parameter, text *value);
extern int	ClarkyErrorField(const char *field);

/* activity_counts.c */
extern bool ClarkyCountsHaveMonths(void);
extern int	ClarkyCountMonth(TimestampTz occurred_at);
extern TimestampTz ClarkyCountMonthEnd(int month);

/* timeline.c */
extern void ClarkyTimelineInit(void);
extern void ClarkyCheckPage(int32 page, int32 page_size);
extern ClarkyTimelineKind ClarkyCompanyScope(text *scope);
extern text *ClarkyTimeline(ClarkyTimelineKind kind, text *owner_id,
							const char *type_label, int32 page,
							int32 page_size);

/* links.c: an activity's contacts and companies, and their links */
extern Datum ClarkyNoIds(void);
extern bool ClarkyHasIds(Datum array);
extern bool ClarkyResolveTags(ClarkyRow *row, const ClarkyRow *patch,
							  const bool *given);
extern void ClarkyLockContacts(Datum workspace, const ClarkyRow *payload,
							   const bool *given);
extern void ClarkyAttributeToCompanies(Datum workspace, ClarkyRow *row);
extern void ClarkyAppendViaCompanies(StringInfo sql, bool standalone,
									 int workspace, int contact, int contacts,
									 int company, int companies);
extern bool ClarkyHasLinks(const ClarkyRow *row);
extern void ClarkyInsertLinks(Datum workspace, const ClarkyRow *row,
							  const char *type_label);
extern void ClarkyDeleteLinks(Datum workspace, const ClarkyRow *row);
extern text *ClarkyAddContactToCompany(text *contact_id, text *company_id,
									   bool backfill, bool *created);
extern bool ClarkyRemoveContactFromCompany(text *contact_id, text *company_id);
extern text *ClarkyCompanyContacts(text *company_id, int32 page, int32 page_size);

/* log_activity.c */
extern text *ClarkyLogActivity(Jsonb *payload);
extern Jsonb *ClarkyEmptyObject(void);

/*
 * activity.c: one activity by id.  Each returns {"data": activity} and
 * sets *version to the activity's version after the call.  A NULL
 * expected_version checks nothing.
 */
extern text *ClarkyGetActivity(text *id, int32 *version);
extern text *ClarkyUpdateActivity(text *id, Jsonb *patch,
								  const int32 *expected_version, int32 *version);
extern text *ClarkyDeleteActivity(text *id, const int32 *expected_version,
								  int32 *version);
extern text *ClarkyRestoreActivity(text *id, int32 *version);

/* clarky_activity.c: the activity types, the statements' shared parts */
extern int	ClarkyActivityTypeIndex(Oid value);
extern const char *ClarkyActivityTypeLabel(Oid value);
extern const char *ClarkySelectList(void);
extern void ClarkyAppendSelectList(StringInfo sql, const char *prefix);
extern Oid	ClarkyFieldParamType(int field);
extern void ClarkyAppendParam(StringInfo sql, int field, int paramno);
extern void ClarkyRequireArgument(FunctionCallInfo fcinfo, int argno,
								  const char *name);
extern bool ClarkyTextEqual(Datum a, Datum b);
extern Datum ClarkyTextArray(Datum *texts, int n);
extern Oid	ClarkyActivitiesRelid(void);
extern void ClarkyRequireCurrentSql(void);

/* plans.c: how statements are prepared, and planned for Citus */
extern void ClarkyPlansInit(void);
extern bool ClarkyDistributedPlanning(void);
extern SPIPlanPtr ClarkyKeepPlan(const char *sql, int nargs, Oid *argtypes);

/* Each module's statements, all prepared (for clarky_prepared_statements) */
extern void ClarkyPrepareLogStatements(void);
extern void ClarkyPrepareActivityStatements(void);
extern void ClarkyPrepareLinkStatements(void);
extern void ClarkyPrepareTimelineStatements(void);
extern void ClarkyPrepareCountStatements(void);
extern void ClarkyPrepareWorkspaceStatements(void);

/* render.c */
extern void ClarkyAppendJsonString(StringInfo buf, const char *str, size_t len);
extern text *ClarkyFinishPage(StringInfo buf, int32 page, int32 page_size,
							  int64 total);
extern void ClarkyRenderActivity(StringInfo buf, const Datum *values,
								 const bool *isnull, const char *label,
								 bool show_deleted);

/* What a caller of ClarkyRenderQuery asks for, and learns of the first row */
typedef struct ClarkyRenderInfo
{
	bool		want_extra;		/* the statement has a bigint column more */
	bool		show_deleted;	/* render deleted_at */
	int64		extra;			/* the first row's extra column */
	int32		version;		/* the first row's version */
	ClarkyRow  *row;			/* if not NULL: the first row's values, copied
								 * into the caller's memory context */
} ClarkyRenderInfo;

extern uint64 ClarkyRenderQuery(SPIPlanPtr plan, const Datum *values,
								const char *nulls, bool read_only,
								StringInfo buf, ClarkyRenderInfo *info);

#endif							/* CLARKY_ACTIVITY_H */
