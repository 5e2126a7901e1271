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

/* The workspace used when the setting clarky.workspace_id is unset or empty */
#define CLARKY_WORKSPACE_SETTING "clarky.workspace_id"
#define CLARKY_DEFAULT_WORKSPACE "default"

/* Pagination (the seed's conventions); the other limits are in validate.h */
#define CLARKY_DEFAULT_PAGE_SIZE 25
#define CLARKY_MAX_PAGE_SIZE 100

/* The trigger on clarky.activities that keeps clarky.activity_counts */
#define CLARKY_COUNTS_TRIGGER "activities_counts"

/* "a_" and a 26-character ULID */
#define CLARKY_ACTIVITY_ID_LEN 28

/*
 * An activity as validated from a log_activity payload.  Strings point into
 * the payload; an absent field is NULL (or false for the has_ flags).
 */
typedef struct ClarkyActivity
{
	text	   *contact_id;
	text	   *company_id;
	int			activity_type;	/* index into ClarkyActivityTypes */
	text	   *title;
	text	   *description;
	bool		has_due_date;
	TimestampTz due_date;
	Numeric		duration_minutes;
	bool		has_completed_at;
	TimestampTz completed_at;
	Jsonb	   *metadata;
	bool		has_occurred_at;
	TimestampTz occurred_at;
} ClarkyActivity;

/*
 * The select list that the renderer expects, in the seed's key order; the
 * timelines select it and log_activity inserts it.
 */
#define CLARKY_ACTIVITY_COLUMNS \
	"id, contact_id, company_id, activity_type, title, description, " \
	"due_date, duration_minutes, completed_at, metadata, created_at, occurred_at"

/* The columns of CLARKY_ACTIVITY_COLUMNS, numbered from 0 */
typedef enum ClarkyActivityColumn
{
	CLARKY_COL_ID,
	CLARKY_COL_CONTACT_ID,
	CLARKY_COL_COMPANY_ID,
	CLARKY_COL_ACTIVITY_TYPE,
	CLARKY_COL_TITLE,
	CLARKY_COL_DESCRIPTION,
	CLARKY_COL_DUE_DATE,
	CLARKY_COL_DURATION_MINUTES,
	CLARKY_COL_COMPLETED_AT,
	CLARKY_COL_METADATA,
	CLARKY_COL_CREATED_AT,
	CLARKY_COL_OCCURRED_AT,
	CLARKY_COL_EXTRA			/* a bigint after them, where a query asks for it */
} ClarkyActivityColumn;

/* Whose timeline */
typedef enum ClarkyOwner
{
	CLARKY_OWNER_CONTACT,
	CLARKY_OWNER_COMPANY
} ClarkyOwner;

/* activity_id.c */
extern void ClarkyNewActivityId(char *buf);

/* workspace.c */
extern text *ClarkyCurrentWorkspace(void);

/* payload.c */
extern void ClarkyParsePayload(Jsonb *payload, ClarkyActivity *activity);
extern void ClarkyCheckOwnerId(const char *parameter, text *value);
extern int	ClarkyErrorField(const char *field);

/* timeline.c */
extern void ClarkyTimelineInit(void);
extern text *ClarkyTimeline(ClarkyOwner owner, text *owner_id,
							const char *type_label, int32 page,
							int32 page_size);

/* log_activity.c */
extern text *ClarkyLogActivity(Jsonb *payload);

/* clarky_activity.c */
extern int	ClarkyActivityTypeIndex(Oid value);
extern const char *ClarkyActivityTypeLabel(Oid value);

/* render.c */
extern void ClarkyAppendJsonString(StringInfo buf, const char *str, size_t len);
extern void ClarkyRenderActivity(StringInfo buf, const Datum *values,
								 const bool *isnull, const char *label);
extern uint64 ClarkyRenderQuery(SPIPlanPtr plan, const Datum *values,
								const char *nulls, bool read_only,
								StringInfo buf, int64 *extra);

#endif							/* CLARKY_ACTIVITY_H */
