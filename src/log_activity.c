/*-------------------------------------------------------------------------
 *
 * log_activity.c
 *	  clarky.log_activity(payload jsonb): validate, insert, render.
 *
 * The payload is validated completely (payload.c) before the single INSERT,
 * so a bad payload writes nothing.  The INSERT goes through the planner with
 * the caller's privileges, so grants and row-level security apply.  The
 * answer is rendered from the values inserted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "clarky_activity.h"

/*
 * Parameters of the insert: the columns of CLARKY_ACTIVITY_COLUMNS, in that
 * order, then workspace_id
 */
#define LOG_NARGS 13
#define ARG_WORKSPACE 12

/* Prepared once per backend */
static SPIPlanPtr insert_plan;

static SPIPlanPtr
InsertPlan(void)
{
	static Oid	argtypes[LOG_NARGS] = {
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TIMESTAMPTZOID, NUMERICOID, TIMESTAMPTZOID, JSONBOID, TIMESTAMPTZOID,
		TIMESTAMPTZOID, TEXTOID
	};
	SPIPlanPtr	plan;

	if (insert_plan != NULL)
		return insert_plan;

	plan = SPI_prepare_cursor("INSERT INTO " CLARKY_SCHEMA ".activities "
							  "(" CLARKY_ACTIVITY_COLUMNS ", workspace_id) "
							  "VALUES ($1, $2, $3, $4::" CLARKY_SCHEMA ".activity_type, "
							  "$5, $6, $7, $8, $9, $10, $11, $12, $13)",
							  LOG_NARGS, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for the activity insert: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	insert_plan = plan;
	return plan;
}

/* Set column i of the new activity to value, or to NULL where not present */
static inline void
SetColumn(Datum *values, bool *isnull, int i, bool present, Datum value)
{
	values[i] = present ? value : (Datum) 0;
	isnull[i] = !present;
}

/* An empty JSON object, for an activity logged without metadata; built once */
static Jsonb *
EmptyObject(void)
{
	static Jsonb *empty;

	if (empty == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);
		JsonbParseState *state = NULL;

		(void) pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		empty = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
		MemoryContextSwitchTo(oldcxt);
	}
	return empty;
}

/*
 * Validate payload, insert it, and return {"data": {...}}.
 *
 * The function chooses every column's value itself (id, created_at and
 * occurred_at included), so the answer is rendered from those values: they
 * are the row inserted, and nothing needs to come back from it.  (A BEFORE
 * trigger that someone adds to the table would not show in the answer.)
 */
text *
ClarkyLogActivity(Jsonb *payload)
{
	ClarkyActivity activity;
	char		id[CLARKY_ACTIVITY_ID_LEN + 1];
	TimestampTz now = GetCurrentTransactionStartTimestamp();	/* now() */
	Datum		values[LOG_NARGS];
	bool		isnull[LOG_NARGS];
	char		nulls[LOG_NARGS];
	const char *label;
	StringInfoData buf;

	ClarkyParsePayload(payload, &activity);
	ClarkyNewActivityId(id);
	label = ClarkyActivityTypes[activity.activity_type];

	SetColumn(values, isnull, CLARKY_COL_ID, true, CStringGetTextDatum(id));
	SetColumn(values, isnull, CLARKY_COL_CONTACT_ID, activity.contact_id,
			  PointerGetDatum(activity.contact_id));
	SetColumn(values, isnull, CLARKY_COL_COMPANY_ID, activity.company_id,
			  PointerGetDatum(activity.company_id));
	SetColumn(values, isnull, CLARKY_COL_ACTIVITY_TYPE, true, CStringGetTextDatum(label));
	SetColumn(values, isnull, CLARKY_COL_TITLE, activity.title,
			  PointerGetDatum(activity.title));
	SetColumn(values, isnull, CLARKY_COL_DESCRIPTION, activity.description,
			  PointerGetDatum(activity.description));
	SetColumn(values, isnull, CLARKY_COL_DUE_DATE, activity.has_due_date,
			  TimestampTzGetDatum(activity.due_date));
	SetColumn(values, isnull, CLARKY_COL_DURATION_MINUTES, activity.duration_minutes,
			  NumericGetDatum(activity.duration_minutes));
	SetColumn(values, isnull, CLARKY_COL_COMPLETED_AT, activity.has_completed_at,
			  TimestampTzGetDatum(activity.completed_at));
	SetColumn(values, isnull, CLARKY_COL_METADATA, true,
			  JsonbPGetDatum(activity.metadata ? activity.metadata : EmptyObject()));
	SetColumn(values, isnull, CLARKY_COL_CREATED_AT, true, TimestampTzGetDatum(now));
	/* occurred_at defaults to the moment of logging */
	SetColumn(values, isnull, CLARKY_COL_OCCURRED_AT, true,
			  TimestampTzGetDatum(activity.has_occurred_at ? activity.occurred_at : now));
	SetColumn(values, isnull, ARG_WORKSPACE, true,
			  PointerGetDatum(ClarkyCurrentWorkspace()));
	for (int i = 0; i < LOG_NARGS; i++)
		nulls[i] = isnull[i] ? 'n' : ' ';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(InsertPlan(), values, nulls, false, 0) != SPI_OK_INSERT ||
		SPI_processed != 1)
		elog(ERROR, "activity insert did not insert one row");
	SPI_finish();

	/* the result is built in the caller's context, as a json varlena */
	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoString(&buf, "{\"data\": ");
	ClarkyRenderActivity(&buf, values, isnull, label);
	appendStringInfoChar(&buf, '}');
	SET_VARSIZE(buf.data, buf.len);
	return (text *) buf.data;
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_log_activity);

/* clarky.log_activity(payload): log one activity, return {"data": {...}} */
Datum
clarky_log_activity(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("activity payload must not be null")));
	PG_RETURN_TEXT_P(ClarkyLogActivity(PG_GETARG_JSONB_P(0)));
}
