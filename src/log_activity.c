/*-------------------------------------------------------------------------
 *
 * log_activity.c
 *	  clarky.log_activity(payload jsonb): validate, insert, render.
 *
 * The payload is validated completely (payload.c) before the single INSERT,
 * so a bad payload writes nothing.  The INSERT goes through the planner with
 * the caller's privileges, so grants and row-level security apply.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"

#include "clarky_activity.h"

#define LOG_NARGS 12

/* Prepared once per backend */
static SPIPlanPtr insert_plan;

static SPIPlanPtr
InsertPlan(void)
{
	static Oid	argtypes[LOG_NARGS] = {
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
		TIMESTAMPTZOID, NUMERICOID, TIMESTAMPTZOID, JSONBOID, TIMESTAMPTZOID
	};
	SPIPlanPtr	plan;

	if (insert_plan != NULL)
		return insert_plan;

	plan = SPI_prepare_cursor("INSERT INTO " CLARKY_SCHEMA ".activities "
							  "(workspace_id, id, contact_id, company_id, activity_type, "
							  "title, description, due_date, duration_minutes, "
							  "completed_at, metadata, occurred_at) "
							  "VALUES ($1, $2, $3, $4, $5::" CLARKY_SCHEMA ".activity_type, "
							  "$6, $7, $8, $9, $10, "
							  "COALESCE($11, '{}'::pg_catalog.jsonb), $12) "
							  "RETURNING " CLARKY_ACTIVITY_COLUMNS,
							  LOG_NARGS, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for the activity insert: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	insert_plan = plan;
	return plan;
}

/* Set parameter i of the insert to value, or to NULL where not present */
static inline void
SetParam(Datum *values, char *nulls, int i, bool present, Datum value)
{
	values[i] = present ? value : (Datum) 0;
	nulls[i] = present ? ' ' : 'n';
}

/* Validate payload, insert it, and return {"data": {...}} */
text *
ClarkyLogActivity(Jsonb *payload)
{
	ClarkyActivity activity;
	char		id[CLARKY_ACTIVITY_ID_LEN + 1];
	Datum		values[LOG_NARGS];
	char		nulls[LOG_NARGS];
	StringInfoData buf;

	ClarkyParsePayload(payload, &activity);
	ClarkyNewActivityId(id);

	SetParam(values, nulls, 0, true, PointerGetDatum(ClarkyCurrentWorkspace()));
	SetParam(values, nulls, 1, true, CStringGetTextDatum(id));
	SetParam(values, nulls, 2, activity.contact_id, PointerGetDatum(activity.contact_id));
	SetParam(values, nulls, 3, activity.company_id, PointerGetDatum(activity.company_id));
	SetParam(values, nulls, 4, true,
			 CStringGetTextDatum(ClarkyActivityTypes[activity.activity_type]));
	SetParam(values, nulls, 5, activity.title, PointerGetDatum(activity.title));
	SetParam(values, nulls, 6, activity.description, PointerGetDatum(activity.description));
	SetParam(values, nulls, 7, activity.has_due_date, TimestampTzGetDatum(activity.due_date));
	SetParam(values, nulls, 8, activity.duration_minutes,
			 NumericGetDatum(activity.duration_minutes));
	SetParam(values, nulls, 9, activity.has_completed_at,
			 TimestampTzGetDatum(activity.completed_at));
	SetParam(values, nulls, 10, activity.metadata, JsonbPGetDatum(activity.metadata));
	/* occurred_at defaults to the moment of logging, as now() tells it */
	SetParam(values, nulls, 11, true,
			 TimestampTzGetDatum(activity.has_occurred_at ? activity.occurred_at :
								 GetCurrentTransactionStartTimestamp()));

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoString(&buf, "{\"data\": ");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (ClarkyRenderQuery(InsertPlan(), values, nulls, false, &buf, NULL) != 1)
		elog(ERROR, "activity insert returned no row");
	SPI_finish();

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
