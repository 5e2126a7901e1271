/*-------------------------------------------------------------------------
 *
 * log_activity.c
 *	  clarky.log_activity(payload jsonb): validate, insert, render.
 *
 * The payload is validated completely (payload.c, links.c) before the
 * INSERT, so a bad payload writes nothing.  The activity's companies
 * reached through its contacts are decided by the INSERT itself (under
 * distributed planning, by the statement before it: Citus runs no
 * subquery in an INSERT, see plans.c), and its links to contacts and
 * companies other than the primary ones, and to those companies, are
 * written after it (links.c).  Every statement goes
 * through the planner with the caller's privileges, so grants and
 * row-level security apply.  The answer is rendered from the values
 * inserted.
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

/* Parameters of the insert: every field, in ClarkyField order, then workspace_id */
#define LOG_NARGS (FIELD_COUNT + 1)
#define ARG_WORKSPACE FIELD_COUNT

/*
 * The forms of the insert, each prepared once per backend: on one node,
 * the INSERT looks the companies of the activity's contacts up itself (of
 * its primary contact alone, or of all of them); under distributed
 * planning they are its parameter
 */
typedef enum InsertShape
{
	INSERT_LOOKING_UP_PRIMARY,
	INSERT_LOOKING_UP_ALL,
	INSERT_GIVEN_COMPANIES,
	NUM_INSERT_SHAPES
} InsertShape;

static SPIPlanPtr insert_plans[NUM_INSERT_SHAPES];

static SPIPlanPtr
InsertPlan(InsertShape shape)
{
	Oid			argtypes[LOG_NARGS];
	StringInfoData sql;

	if (insert_plans[shape] != NULL)
		return insert_plans[shape];

	initStringInfo(&sql);
	appendStringInfo(&sql, "INSERT INTO " CLARKY_SCHEMA ".activities (%s, workspace_id) VALUES (",
					 ClarkySelectList());
	for (int f = 0; f < FIELD_COUNT; f++)
	{
		argtypes[f] = ClarkyFieldParamType(f);
		/* the companies reached through people, decided here (links.c) */
		if (f == FIELD_VIA_COMPANY_IDS && shape != INSERT_GIVEN_COMPANIES)
			ClarkyAppendViaCompanies(&sql, false, ARG_WORKSPACE + 1, FIELD_CONTACT_ID + 1,
									 shape == INSERT_LOOKING_UP_ALL ? FIELD_CONTACT_IDS + 1 : 0,
									 FIELD_COMPANY_ID + 1, FIELD_COMPANY_IDS + 1);
		else
			ClarkyAppendParam(&sql, f, f + 1);
		appendStringInfoString(&sql, ", ");
	}
	argtypes[ARG_WORKSPACE] = TEXTOID;
	appendStringInfo(&sql, "$%d) RETURNING via_company_ids", ARG_WORKSPACE + 1);
	insert_plans[shape] = ClarkyKeepPlan(sql.data, LOG_NARGS, argtypes);
	pfree(sql.data);
	return insert_plans[shape];
}

/* The forms this backend uses */
void
ClarkyPrepareLogStatements(void)
{
	if (ClarkyDistributedPlanning())
		(void) InsertPlan(INSERT_GIVEN_COMPANIES);
	else
	{
		(void) InsertPlan(INSERT_LOOKING_UP_PRIMARY);
		(void) InsertPlan(INSERT_LOOKING_UP_ALL);
	}
}

/* An empty JSON object, for an activity logged without metadata; built once */
Jsonb *
ClarkyEmptyObject(void)
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

/* Set a field of row to value */
static inline void
SetField(ClarkyRow *row, int field, Datum value)
{
	row->values[field] = value;
	row->isnull[field] = false;
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
	ClarkyRow	row;
	ClarkyRow	given_values;
	bool		given[FIELD_COUNT];
	char		id[CLARKY_ACTIVITY_ID_LEN + 1];
	Datum		now = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	Datum		values[LOG_NARGS];
	char		nulls[LOG_NARGS];
	SPIPlanPtr	plan;
	StringInfoData buf;

	ClarkyRequireCurrentSql();
	ClarkyParsePayload(payload, PAYLOAD_CREATE, &given_values, given);

	/* a new activity has no contact or company until the payload's apply */
	row = given_values;
	row.isnull[FIELD_CONTACT_ID] = row.isnull[FIELD_COMPANY_ID] = true;
	SetField(&row, FIELD_CONTACT_IDS, ClarkyNoIds());
	SetField(&row, FIELD_COMPANY_IDS, ClarkyNoIds());
	(void) ClarkyResolveTags(&row, &given_values, given);
	ClarkyNewActivityId(id);

	SetField(&row, FIELD_ID, CStringGetTextDatum(id));
	if (row.isnull[FIELD_METADATA])
		SetField(&row, FIELD_METADATA, JsonbPGetDatum(ClarkyEmptyObject()));
	SetField(&row, FIELD_CREATED_AT, now);
	/* occurred_at defaults to the moment of logging */
	if (row.isnull[FIELD_OCCURRED_AT])
		SetField(&row, FIELD_OCCURRED_AT, now);
	SetField(&row, FIELD_UPDATED_AT, now);
	SetField(&row, FIELD_VERSION, Int32GetDatum(1));

	for (int f = 0; f < FIELD_COUNT; f++)
	{
		values[f] = row.values[f];
		nulls[f] = row.isnull[f] ? 'n' : ' ';
	}
	values[ARG_WORKSPACE] = PointerGetDatum(ClarkyCurrentWorkspace());
	nulls[ARG_WORKSPACE] = ' ';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ClarkyLockContacts(values[ARG_WORKSPACE], &given_values, given);

	/*
	 * Not read-only: a snapshot taken after the locks decides
	 * via_company_ids, the INSERT's own (its parameter goes unused) or, under
	 * distributed planning, the lookup's before it; the INSERT returns it.
	 */
	if (ClarkyDistributedPlanning())
	{
		ClarkyAttributeToCompanies(values[ARG_WORKSPACE], &row);
		values[FIELD_VIA_COMPANY_IDS] = row.values[FIELD_VIA_COMPANY_IDS];
		nulls[FIELD_VIA_COMPANY_IDS] = ' ';
		plan = InsertPlan(INSERT_GIVEN_COMPANIES);
	}
	else
	{
		nulls[FIELD_VIA_COMPANY_IDS] = 'n';
		plan = InsertPlan(ClarkyHasIds(row.values[FIELD_CONTACT_IDS]) ?
						  INSERT_LOOKING_UP_ALL : INSERT_LOOKING_UP_PRIMARY);
	}
	if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT_RETURNING ||
		SPI_processed != 1)
		elog(ERROR, "activity insert did not insert one row");
	SetField(&row, FIELD_VIA_COMPANY_IDS,
			 SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &row.isnull[FIELD_VIA_COMPANY_IDS]));
	ClarkyInsertLinks(values[ARG_WORKSPACE], &row,
					  TextDatumGetCString(row.values[FIELD_ACTIVITY_TYPE]));
	SPI_finish();

	/* the result is built in the caller's context, as a json varlena */
	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoString(&buf, "{\"data\": ");
	ClarkyRenderActivity(&buf, row.values, row.isnull,
						 TextDatumGetCString(row.values[FIELD_ACTIVITY_TYPE]), false);
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
