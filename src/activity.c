/*-------------------------------------------------------------------------
 *
 * activity.c
 *	  One activity by id: clarky.get_activity(), update_activity() (a JSON
 *	  merge patch), complete_activity(), reopen_activity(),
 *	  delete_activity() (a soft delete) and restore_activity().
 *
 * Every statement names the call's workspace and runs with the caller's
 * privileges, so grants and row-level security apply.  An activity that
 * is not there for the caller, whether its id is unknown, of another
 * workspace or deleted, is one error: ERRCODE_NO_DATA_FOUND naming the id,
 * so that nobody learns of another workspace's ids.
 *
 * An update locks the row (SELECT ... FOR UPDATE), checks the expected
 * version, applies the patch to the values read (merging metadata by
 * RFC 7396), validates the result as a whole (the contact-or-company rule,
 * metadata's limits) and writes every patchable column in one UPDATE;
 * the answer is rendered from the values written.  Of two updates that
 * expect the same version, the second waits for the first's lock and then
 * finds the version changed; likewise when the first one deleted it.  A
 * patch that changes no value writes nothing and keeps the version.
 * Completing and reopening need no current value: each is one UPDATE
 * returning the activity, as a delete and a restore are.  A patch of the
 * activity's contacts or companies is sorted out by links.c, which then
 * decides again which companies it reaches through its people; its links
 * are rewritten when they change, or its place or type does.  A delete
 * removes its links, a restore writes them again from the row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/jsonb.h"

#include "clarky_activity.h"
#include "iso8601.h"

/* The statements, prepared once per backend */
typedef enum ActivityStatement
{
	STMT_GET,					/* $1 workspace, $2 id: the live activity */
	STMT_LOCK,					/* the same, FOR UPDATE */
	STMT_UPDATE,				/* $1, $2, each patchable field, updated_at */
	STMT_DELETE,				/* $1, $2, $3 now, $4 expected version */
	STMT_RESTORE,				/* $1, $2, $3 now */
	STMT_COMPLETE,				/* $1, $2, $3 now, $4 completed_at or NULL */
	STMT_VERSION,				/* $1, $2: the version, live or deleted */
	NUM_STATEMENTS
} ActivityStatement;

static SPIPlanPtr plans[NUM_STATEMENTS];

/* Whether a patch may give the field */
static inline bool
Patchable(int field)
{
	return ClarkyFields[field].on_patch != FIELD_FIXED;
}

/*
 * Whether an update writes the field: what a patch may give, and the
 * columns the server keeps for itself (the companies reached through
 * people, decided again when the contacts change)
 */
static inline bool
Written(int field)
{
	return Patchable(field) || ClarkyFields[field].rendered == RENDER_NEVER;
}

/* Whether the field is one of an activity's contacts or companies (links.c) */
static bool
TagField(ClarkyField field)
{
	return ClarkyFields[field].kind == FIELD_KIND_ID_LIST ||
		field == ListPrimary(FIELD_CONTACT_IDS) ||
		field == ListPrimary(FIELD_COMPANY_IDS);
}

/* " WHERE <the call's activity>": $1 its workspace, $2 its id */
#define WHERE_ACTIVITY \
	" WHERE workspace_id OPERATOR(pg_catalog.=) $1 AND id OPERATOR(pg_catalog.=) $2"

#define FROM_ACTIVITIES " FROM " CLARKY_SCHEMA ".activities"

/*
 * A change made by one UPDATE returning the activity: "SET <set>" with the
 * update time $3 and the next version, of the call's activity where
 * <condition> holds
 */
static void
AppendChange(StringInfo sql, const char *set, const char *condition)
{
	appendStringInfo(sql, "UPDATE " CLARKY_SCHEMA ".activities"
					 " SET %s, updated_at = $3, version = version OPERATOR(pg_catalog.+) 1"
					 WHERE_ACTIVITY " AND %s RETURNING %s",
					 set, condition, ClarkySelectList());
}

static SPIPlanPtr
StatementPlan(ActivityStatement statement)
{
	Oid			argtypes[FIELD_COUNT + 3] = {TEXTOID, TEXTOID};
	int			nargs = 2;
	StringInfoData sql;

	if (plans[statement] != NULL)
		return plans[statement];

	initStringInfo(&sql);
	switch (statement)
	{
		case STMT_GET:
		case STMT_LOCK:
			appendStringInfo(&sql, "SELECT %s" FROM_ACTIVITIES WHERE_ACTIVITY " AND deleted_at IS NULL%s",
							 ClarkySelectList(),
							 statement == STMT_LOCK ? " FOR UPDATE" : "");
			break;
		case STMT_UPDATE:
			appendStringInfoString(&sql, "UPDATE " CLARKY_SCHEMA ".activities SET ");
			for (int f = 0; f < FIELD_COUNT; f++)
			{
				if (!Written(f))
					continue;
				argtypes[nargs++] = ClarkyFieldParamType(f);
				appendStringInfo(&sql, "%s = ", ClarkyFields[f].column);
				ClarkyAppendParam(&sql, f, nargs);
				appendStringInfoString(&sql, ", ");
			}
			argtypes[nargs++] = TIMESTAMPTZOID;
			appendStringInfo(&sql, "updated_at = $%d, version = version OPERATOR(pg_catalog.+) 1"
							 WHERE_ACTIVITY, nargs);
			break;
		case STMT_DELETE:
			argtypes[nargs++] = TIMESTAMPTZOID;
			argtypes[nargs++] = INT4OID;
			AppendChange(&sql, "deleted_at = $3",
						 "deleted_at IS NULL"
						 " AND ($4 IS NULL OR version OPERATOR(pg_catalog.=) $4)");
			break;
		case STMT_RESTORE:
			argtypes[nargs++] = TIMESTAMPTZOID;
			AppendChange(&sql, "deleted_at = NULL", "deleted_at IS NOT NULL");
			break;
		case STMT_COMPLETE:
			argtypes[nargs++] = TIMESTAMPTZOID;
			argtypes[nargs++] = TIMESTAMPTZOID;
			AppendChange(&sql, "completed_at = $4",
						 "deleted_at IS NULL"
						 " AND CASE WHEN $4 IS NULL THEN completed_at IS NOT NULL"
						 " ELSE completed_at IS NULL"
						 " OR completed_at OPERATOR(pg_catalog.<>) $4 END");
			break;
		case STMT_VERSION:
			appendStringInfoString(&sql, "SELECT version" FROM_ACTIVITIES WHERE_ACTIVITY);
			break;
		case NUM_STATEMENTS:
			pg_unreachable();
	}
	plans[statement] = ClarkyKeepPlan(sql.data, nargs, argtypes);
	pfree(sql.data);
	return plans[statement];
}

void
ClarkyPrepareActivityStatements(void)
{
	for (int s = 0; s < NUM_STATEMENTS; s++)
		(void) StatementPlan(s);
}

/* The error of an activity that is not there for the caller */
static void
NotFound(text *id)
{
	ereport(ERROR,
			(errcode(ERRCODE_NO_DATA_FOUND),
			 errmsg("activity \"%s\" not found", text_to_cstring(id)),
			 ClarkyErrorField("id")));
}

/* The error of a stale expected version */
static void
VersionConflict(text *id, int32 expected, int32 current)
{
	ereport(ERROR,
			(errcode(CLARKY_ERRCODE_VERSION_CONFLICT),
			 errmsg("activity \"%s\" is not at version %d", text_to_cstring(id), expected),
			 errdetail("The current version is %d.", current),
			 errhint("Read the activity again, and apply the change to its current version.")));
}

/*
 * No live activity id was found for a change that expected a version: if
 * the activity is there at another version (changed or deleted since it was
 * read), that is the conflict; otherwise it is not found.  values holds the
 * workspace and the id.
 */
static void
NoLiveActivity(text *id, const int32 *expected_version, Datum *values, char *nulls)
{
	if (expected_version != NULL &&
		SPI_execute_plan(StatementPlan(STMT_VERSION), values, nulls, false, 1) == SPI_OK_SELECT &&
		SPI_processed == 1)
	{
		bool		isnull;
		int32		current = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
														  SPI_tuptable->tupdesc, 1,
														  &isnull));

		if (current != *expected_version)
			VersionConflict(id, *expected_version, current);
	}
	NotFound(id);
}

/*
 * A {"data": ...} answer, as a json varlena, begun before SPI_connect so
 * that it lives in the caller's context
 */
static void
BeginAnswer(StringInfo buf)
{
	initStringInfo(buf);
	appendStringInfoSpaces(buf, VARHDRSZ);
	appendStringInfoString(buf, "{\"data\": ");
}

static text *
EndAnswer(StringInfo buf)
{
	appendStringInfoChar(buf, '}');
	SET_VARSIZE(buf->data, buf->len);
	return (text *) buf->data;
}

/* Check an id parameter and the installed SQL; the first parameters */
static void
BeginCall(text *id, Datum *values, char *nulls)
{
	ClarkyRequireCurrentSql();
	ClarkyCheckOwnerId("id", id);
	values[0] = PointerGetDatum(ClarkyCurrentWorkspace());
	values[1] = PointerGetDatum(id);
	nulls[0] = nulls[1] = ' ';
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

text *
ClarkyGetActivity(text *id, int32 *version)
{
	Datum		values[2];
	char		nulls[2];
	StringInfoData buf;
	ClarkyRenderInfo info = {0};

	BeginAnswer(&buf);
	BeginCall(id, values, nulls);
	if (ClarkyRenderQuery(StatementPlan(STMT_GET), values, nulls, true, &buf, &info) == 0)
		NotFound(id);
	SPI_finish();
	*version = info.version;
	return EndAnswer(&buf);
}

static JsonbValue *PushMerged(JsonbParseState **state, JsonbContainer *target,
							  JsonbContainer *patch);

/*
 * Push the value a merge patch's non-null value patch makes of target (NULL:
 * none): an object merges into target (into none if target is not an
 * object), any other value replaces it
 */
static void
PushPatched(JsonbParseState **state, const JsonbValue *target, JsonbValue *patch)
{
	if (patch->type == jbvBinary && JsonContainerIsObject(patch->val.binary.data))
		(void) PushMerged(state,
						  (target != NULL && target->type == jbvBinary &&
						   JsonContainerIsObject(target->val.binary.data)) ?
						  target->val.binary.data : NULL,
						  patch->val.binary.data);
	else
		(void) pushJsonbValue(state, WJB_VALUE, patch);
}

/*
 * RFC 7396 merge of the object patch into the object target (NULL: none),
 * pushed onto *state as an object: a key of the patch whose value is null
 * removes the target's, any other value patches it (PushPatched).
 */
static JsonbValue *
PushMerged(JsonbParseState **state, JsonbContainer *target, JsonbContainer *patch)
{
	JsonbIterator *it;
	JsonbIteratorToken token;
	JsonbValue	key;
	JsonbValue	v;
	JsonbValue	found;

	(void) pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);

	/* the target's keys, as the patch leaves or changes them */
	it = target ? JsonbIteratorInit(target) : NULL;
	while (it && (token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		JsonbValue *p;

		if (token == WJB_KEY)
			key = v;
		if (token != WJB_VALUE)
			continue;
		p = getKeyJsonValueFromContainer(patch, key.val.string.val,
										 key.val.string.len, &found);
		if (p != NULL && p->type == jbvNull)
			continue;
		(void) pushJsonbValue(state, WJB_KEY, &key);
		if (p == NULL)
			(void) pushJsonbValue(state, WJB_VALUE, &v);
		else
			PushPatched(state, &v, p);
	}

	/* the patch's keys that the target has not */
	it = JsonbIteratorInit(patch);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			key = v;
		if (token != WJB_VALUE || v.type == jbvNull ||
			(target != NULL &&
			 getKeyJsonValueFromContainer(target, key.val.string.val,
										  key.val.string.len, &found) != NULL))
			continue;
		(void) pushJsonbValue(state, WJB_KEY, &key);
		PushPatched(state, NULL, &v);
	}

	return pushJsonbValue(state, WJB_END_OBJECT, NULL);
}

/* metadata after the merge patch patch; a null patch empties it */
static Jsonb *
MergeMetadata(Jsonb *target, Datum patch, bool patch_isnull)
{
	JsonbParseState *state = NULL;
	Jsonb	   *merged;

	if (patch_isnull)
		return ClarkyEmptyObject();
	merged = JsonbValueToJsonb(PushMerged(&state, &target->root,
										  &DatumGetJsonbP(patch)->root));
	ClarkyCheckMetadata(merged);
	return merged;
}

/* Whether two values of a field differ */
static bool
Differ(int field, Datum a, bool a_null, Datum b, bool b_null)
{
	if (a_null || b_null)
		return a_null != b_null;
	if (ClarkyFields[field].kind == FIELD_KIND_TIMESTAMP ||
		ClarkyFields[field].kind == FIELD_KIND_VERSION)
		return a != b;
	return !datum_image_eq(a, b, false, -1);
}

/*
 * Apply the validated values patch (each field where given[] says) to the
 * live activity id, if at expected_version where that is not NULL; render
 * the result.
 */
static text *
PatchActivity(text *id, const ClarkyRow *patch, const bool *given,
			  const int32 *expected_version, int32 *version)
{
	Datum		values[FIELD_COUNT + 3];
	char		nulls[FIELD_COUNT + 3];
	ClarkyRow	row;
	ClarkyRow	old;
	HeapTuple	tuple;
	TupleDesc	tupdesc;
	bool		changed = false;
	bool		relink = false;
	ValidationError error;
	StringInfoData buf;
	int			nargs = 2;

	BeginAnswer(&buf);
	BeginCall(id, values, nulls);
	ClarkyLockContacts(values[0], patch, given);
	if (SPI_execute_plan(StatementPlan(STMT_LOCK), values, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "activity lookup failed");
	if (SPI_processed == 0)
		NoLiveActivity(id, expected_version, values, nulls);

	/* the current values, the activity type as its label */
	tuple = SPI_tuptable->vals[0];
	tupdesc = SPI_tuptable->tupdesc;
	for (int f = 0; f < FIELD_COUNT; f++)
		row.values[f] = SPI_getbinval(tuple, tupdesc, f + 1, &row.isnull[f]);
	row.values[FIELD_ACTIVITY_TYPE] =
		CStringGetTextDatum(ClarkyActivityTypeLabel(DatumGetObjectId(row.values[FIELD_ACTIVITY_TYPE])));

	if (expected_version != NULL &&
		*expected_version != DatumGetInt32(row.values[FIELD_VERSION]))
		VersionConflict(id, *expected_version, DatumGetInt32(row.values[FIELD_VERSION]));

	old = row;
	for (int f = 0; f < FIELD_COUNT; f++)
	{
		Datum		value = patch->values[f];
		bool		isnull = patch->isnull[f];

		if (!given[f] || TagField((ClarkyField) f))
			continue;
		if (ClarkyFields[f].on_patch == FIELD_MERGED)
		{
			value = JsonbPGetDatum(MergeMetadata(DatumGetJsonbP(row.values[f]),
												 value, isnull));
			isnull = false;
		}
		if (Differ(f, row.values[f], row.isnull[f], value, isnull))
		{
			row.values[f] = value;
			row.isnull[f] = isnull;
			changed = true;
			/* the links keep their activity's place and type */
			relink |= (f == FIELD_OCCURRED_AT || f == FIELD_ACTIVITY_TYPE);
		}
	}

	/* new contacts or companies: decide which companies it reaches anew */
	if (ClarkyResolveTags(&row, patch, given))
	{
		ClarkyAttributeToCompanies(values[0], &row);
		changed = relink = true;
	}

	if (changed)
	{
		Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());

		if (!ValidateContactOrCompany(!row.isnull[FIELD_CONTACT_ID],
									  !row.isnull[FIELD_COMPANY_ID], &error))
			ClarkyReportValidationError(&error);

		for (int f = 0; f < FIELD_COUNT; f++)
		{
			if (!Written(f))
				continue;
			values[nargs] = row.values[f];
			nulls[nargs++] = row.isnull[f] ? 'n' : ' ';
		}
		values[nargs] = now;
		nulls[nargs++] = ' ';
		if (SPI_execute_plan(StatementPlan(STMT_UPDATE), values, nulls, false, 0) != SPI_OK_UPDATE ||
			SPI_processed != 1)
			elog(ERROR, "activity update did not update one row");
		if (relink)
		{
			ClarkyDeleteLinks(values[0], &old);
			ClarkyInsertLinks(values[0], &row,
							  TextDatumGetCString(row.values[FIELD_ACTIVITY_TYPE]));
		}

		row.values[FIELD_UPDATED_AT] = now;
		row.values[FIELD_VERSION] = Int32GetDatum(DatumGetInt32(row.values[FIELD_VERSION]) + 1);
	}

	*version = DatumGetInt32(row.values[FIELD_VERSION]);
	ClarkyRenderActivity(&buf, row.values, row.isnull,
						 TextDatumGetCString(row.values[FIELD_ACTIVITY_TYPE]), false);
	SPI_finish();
	return EndAnswer(&buf);
}

text *
ClarkyUpdateActivity(text *id, Jsonb *patch, const int32 *expected_version,
					 int32 *version)
{
	ClarkyRow	values;
	bool		given[FIELD_COUNT];

	ClarkyParsePayload(patch, PAYLOAD_PATCH, &values, given);
	return PatchActivity(id, &values, given, expected_version, version);
}

/*
 * Lock the live activity (values: workspace, id, now, and the completed_at
 * asked for in $4, or null); whether there is one, and in *has_value
 * whether its completed_at is that already
 */
static bool
LockLiveRow(Datum *values, char *nulls, bool *has_value)
{
	bool		isnull;
	Datum		completed_at;

	if (SPI_execute_plan(StatementPlan(STMT_LOCK), values, nulls, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "activity lookup failed");
	if (SPI_processed == 0)
		return false;
	completed_at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								 FIELD_COMPLETED_AT + 1, &isnull);
	*has_value = nulls[3] == 'n' ? isnull :
		!isnull && DatumGetTimestampTz(completed_at) == DatumGetTimestampTz(values[3]);
	return true;
}

/*
 * A change made by one UPDATE returning the activity (STMT_DELETE,
 * STMT_RESTORE, STMT_COMPLETE), with $4 the statement's value.  Finding no
 * row, tell a stale version from an activity not there; a completion finds
 * none where completed_at already has the value, and answers the activity
 * as it is, unchanged and at its version.
 */
static text *
ChangeActivity(ActivityStatement statement, text *id, Datum value, bool isnull,
			   const int32 *expected_version, int32 *version)
{
	Datum		values[4];
	char		nulls[4];
	StringInfoData buf;
	ClarkyRow	row;
	ClarkyRenderInfo info = {.show_deleted = (statement == STMT_DELETE)};

	/* the activity's links leave with it, and come back with it */
	if (statement == STMT_DELETE || statement == STMT_RESTORE)
		info.row = &row;

	BeginAnswer(&buf);
	BeginCall(id, values, nulls);
	values[2] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	nulls[2] = ' ';
	values[3] = value;
	nulls[3] = isnull ? 'n' : ' ';

	/* not read-only: a fresh snapshot sees what a concurrent change left */
	if (ClarkyRenderQuery(StatementPlan(statement), values, nulls, false, &buf, &info) == 0)
	{
		bool		has_value;

		/*
		 * A completion that changed nothing: the row has the value already,
		 * or was deleted by a transaction that committed before the UPDATE
		 * read it and has been restored since.  Held now, the row is answered
		 * where it has the value, and completed again where it has not (the
		 * UPDATE finds it then, for it is ours).
		 */
		if (statement != STMT_COMPLETE || !LockLiveRow(values, nulls, &has_value))
			NoLiveActivity(id, expected_version, values, nulls);
		if (ClarkyRenderQuery(StatementPlan(has_value ? STMT_GET : statement),
							  values, nulls, false, &buf, &info) == 0)
			elog(ERROR, "activity held by its completion was not found");
	}
	if (statement == STMT_DELETE)
		ClarkyDeleteLinks(values[0], &row);
	else if (statement == STMT_RESTORE)
		ClarkyInsertLinks(values[0], &row,
						  ClarkyActivityTypeLabel(DatumGetObjectId(row.values[FIELD_ACTIVITY_TYPE])));
	SPI_finish();
	*version = info.version;
	return EndAnswer(&buf);
}

/* Set completed_at to value, or clear it where isnull */
static text *
SetCompletedAt(text *id, TimestampTz value, bool isnull)
{
	char		rendered[ISO8601_FORMAT_LEN + 1];
	int32		version;

	if (!isnull && Iso8601Format(value, rendered) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("parameter \"completed_at\" is out of range"),
				 errdetail("Timestamps lie in the years 0001 to 9999 (UTC)."),
				 ClarkyErrorField("completed_at")));
	return ChangeActivity(STMT_COMPLETE, id, TimestampTzGetDatum(value), isnull,
						  NULL, &version);
}

text *
ClarkyDeleteActivity(text *id, const int32 *expected_version, int32 *version)
{
	return ChangeActivity(STMT_DELETE, id,
						  Int32GetDatum(expected_version ? *expected_version : 0),
						  expected_version == NULL, expected_version, version);
}

text *
ClarkyRestoreActivity(text *id, int32 *version)
{
	return ChangeActivity(STMT_RESTORE, id, (Datum) 0, true, NULL, version);
}

/* The optional expected_version argument, or NULL */
static const int32 *
ExpectedVersion(FunctionCallInfo fcinfo, int argno, int32 *buf)
{
	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	*buf = PG_GETARG_INT32(argno);
	return buf;
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_get_activity);

/* clarky.get_activity(id) */
Datum
clarky_get_activity(PG_FUNCTION_ARGS)
{
	int32		version;

	ClarkyRequireArgument(fcinfo, 0, "id");
	PG_RETURN_TEXT_P(ClarkyGetActivity(PG_GETARG_TEXT_PP(0), &version));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_update_activity);

/* clarky.update_activity(id, patch, expected_version) */
Datum
clarky_update_activity(PG_FUNCTION_ARGS)
{
	int32		expected;
	int32		version;

	ClarkyRequireArgument(fcinfo, 0, "id");
	ClarkyRequireArgument(fcinfo, 1, "patch");
	PG_RETURN_TEXT_P(ClarkyUpdateActivity(PG_GETARG_TEXT_PP(0), PG_GETARG_JSONB_P(1),
										  ExpectedVersion(fcinfo, 2, &expected),
										  &version));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_complete_activity);

/* clarky.complete_activity(id, completed_at) */
Datum
clarky_complete_activity(PG_FUNCTION_ARGS)
{
	ClarkyRequireArgument(fcinfo, 0, "id");
	ClarkyRequireArgument(fcinfo, 1, "completed_at");
	PG_RETURN_TEXT_P(SetCompletedAt(PG_GETARG_TEXT_PP(0), PG_GETARG_TIMESTAMPTZ(1), false));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_reopen_activity);

/* clarky.reopen_activity(id) */
Datum
clarky_reopen_activity(PG_FUNCTION_ARGS)
{
	ClarkyRequireArgument(fcinfo, 0, "id");
	PG_RETURN_TEXT_P(SetCompletedAt(PG_GETARG_TEXT_PP(0), 0, true));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_delete_activity);

/* clarky.delete_activity(id, expected_version) */
Datum
clarky_delete_activity(PG_FUNCTION_ARGS)
{
	int32		expected;
	int32		version;

	ClarkyRequireArgument(fcinfo, 0, "id");
	PG_RETURN_TEXT_P(ClarkyDeleteActivity(PG_GETARG_TEXT_PP(0),
										  ExpectedVersion(fcinfo, 1, &expected),
										  &version));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_restore_activity);

/* clarky.restore_activity(id) */
Datum
clarky_restore_activity(PG_FUNCTION_ARGS)
{
	int32		version;

	ClarkyRequireArgument(fcinfo, 0, "id");
	PG_RETURN_TEXT_P(ClarkyRestoreActivity(PG_GETARG_TEXT_PP(0), &version));
}
