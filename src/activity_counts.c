/*-------------------------------------------------------------------------
 *
 * activity_counts.c
 *	  Exact per-owner counts of activities, behind the timelines' "total".
 *
 * clarky.activity_counts holds, per workspace, owner (contact or company)
 * and stripe, the number of activities of each type, a column per type; a
 * timeline's total is a sum over the stripes, a few rows (usually one)
 * instead of counting up to every index entry of the owner.  The row
 * trigger below keeps it exact under every write to clarky.activities,
 * including plain SQL: +1 on INSERT, -1 on DELETE, both on an UPDATE that
 * moves an activity to another owner, type or workspace.  Only live
 * activities count: a soft delete (deleted_at set) takes one away, a
 * restore adds it back.  Being part of
 * the writing transaction, the counts commit and roll back with the rows,
 * so a snapshot always sees counts and rows that agree.
 *
 * Writers do not queue on one row: each backend adds to its own stripe,
 * numbered by its backend id, which no two running backends share, so
 * concurrent writers never wait for each other on a count (nor deadlock on
 * two of them).  A total sums at most one row per backend slot that ever
 * wrote to that owner; clarky.rebuild_activity_counts() folds them into
 * one.
 *
 * The trigger writes as the owner of clarky.activities, as PostgreSQL's own
 * foreign-key triggers do, so that callers need no privilege on the counts
 * table and cannot tamper with it.  Its statements are schema-qualified and
 * touch only the rows of the written activity's workspace (co-located under
 * Citus).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/rel.h"

#include "clarky_activity.h"

/* This backend's stripe: its id, unique among running backends */
#if PG_VERSION_NUM >= 170000
#define COUNT_STRIPE() (MyProcNumber + 1)
#else
#define COUNT_STRIPE() MyBackendId
#endif

/*
 * The statements that add to a count, prepared once per backend and type
 * (each adds to its type's column).  Parameters: $1 workspace, $2 owner
 * kind, $3 owner id, $4 stripe, $5 the number to add.  The UPDATE serves
 * every write but the first of a backend to an owner; the upsert creates
 * the row (or adds to one made meanwhile).
 */
typedef enum CountStatement
{
	COUNT_UPDATE,
	COUNT_UPSERT
} CountStatement;

static SPIPlanPtr count_plans[2][CLARKY_ACTIVITY_TYPE_COUNT];

static SPIPlanPtr
CountPlan(CountStatement statement, int type)
{
	Oid			argtypes[5] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, INT8OID};
	const char *label = ClarkyActivityTypes[type];
	char	   *sql;
	SPIPlanPtr	plan;

	if (count_plans[statement][type] != NULL)
		return count_plans[statement][type];

	/* the type's column is its label and "s": notes, calls, ... */
	if (statement == COUNT_UPDATE)
		sql = psprintf("UPDATE " CLARKY_SCHEMA ".activity_counts "
					   "SET %ss = %ss OPERATOR(pg_catalog.+) $5 "
					   "WHERE workspace_id OPERATOR(pg_catalog.=) $1 "
					   "AND owner_kind OPERATOR(pg_catalog.=) $2 "
					   "AND owner_id OPERATOR(pg_catalog.=) $3 "
					   "AND stripe OPERATOR(pg_catalog.=) $4",
					   label, label);
	else
		sql = psprintf("INSERT INTO " CLARKY_SCHEMA ".activity_counts AS c "
					   "(workspace_id, owner_kind, owner_id, stripe, %ss) "
					   "VALUES ($1, $2, $3, $4, $5) "
					   "ON CONFLICT (workspace_id, owner_kind, owner_id, stripe) "
					   "DO UPDATE SET %ss = c.%ss OPERATOR(pg_catalog.+) EXCLUDED.%ss",
					   label, label, label, label);
	plan = SPI_prepare_cursor(sql, 5, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	pfree(sql);
	count_plans[statement][type] = plan;
	return plan;
}

/* The columns of clarky.activities that the counts follow */
typedef struct CountKey
{
	Datum		values[4];		/* workspace_id, contact_id, company_id, type */
	bool		nulls[4];
	bool		live;			/* not soft-deleted: counted */
} CountKey;

static const char *const key_columns[4] = {
	"workspace_id", "contact_id", "company_id", "activity_type"
};

static void
GetCountKey(HeapTuple tuple, TupleDesc tupdesc, CountKey *key)
{
	int			attnum;

	for (int i = 0; i < 4; i++)
	{
		attnum = SPI_fnumber(tupdesc, key_columns[i]);

		if (attnum <= 0)
			elog(ERROR, "column \"%s\" of clarky.activities not found", key_columns[i]);
		key->values[i] = SPI_getbinval(tuple, tupdesc, attnum, &key->nulls[i]);
	}

	/* deleted activities are not counted (1.0.0's table has no deleted_at) */
	key->live = true;
	if ((attnum = SPI_fnumber(tupdesc, "deleted_at")) > 0)
		(void) SPI_getbinval(tuple, tupdesc, attnum, &key->live);
}

static bool
SameCountKey(const CountKey *a, const CountKey *b, TupleDesc tupdesc)
{
	if (a->live != b->live)
		return false;
	for (int i = 0; i < 4; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, SPI_fnumber(tupdesc, key_columns[i]) - 1);

		if (a->nulls[i] != b->nulls[i])
			return false;
		if (!a->nulls[i] &&
			!datumIsEqual(a->values[i], b->values[i], att->attbyval, att->attlen))
			return false;
	}
	return true;
}

/* Add delta to the counts of key's contact and company, if it is counted */
static void
AddToCounts(const CountKey *key, int64 delta)
{
	static const char *const kinds[2] = {"contact", "company"};
	int			type;
	Datum		values[5];
	const char	nulls[5] = {' ', ' ', ' ', ' ', ' '};

	if (!key->live)
		return;
	type = ClarkyActivityTypeIndex(DatumGetObjectId(key->values[3]));

	if (type < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("activity type \"%s\" cannot be counted",
						ClarkyActivityTypeLabel(DatumGetObjectId(key->values[3]))),
				 errdetail("clarky.activity_counts has a column for each of the seven activity types only.")));

	values[0] = key->values[0];
	values[3] = Int32GetDatum(COUNT_STRIPE());
	values[4] = Int64GetDatum(delta);

	for (int owner = 0; owner < 2; owner++)
	{
		/* key->values[1] is contact_id, [2] company_id */
		if (key->nulls[1 + owner])
			continue;
		values[1] = CStringGetTextDatum(kinds[owner]);
		values[2] = key->values[1 + owner];

		if (SPI_execute_plan(CountPlan(COUNT_UPDATE, type), values, nulls,
							 false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "activity count update failed");
		if (SPI_processed == 0 &&
			SPI_execute_plan(CountPlan(COUNT_UPSERT, type), values, nulls,
							 false, 0) != SPI_OK_INSERT)
			elog(ERROR, "activity count insert failed");
	}
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_activity_counts_trigger);

/* The AFTER ROW and AFTER TRUNCATE trigger on clarky.activities */
Datum
clarky_activity_counts_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	tupdesc;
	Oid			save_userid;
	int			save_sec_context;
	CountKey	old_key;
	CountKey	new_key;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event))
		elog(ERROR, "clarky_activity_counts_trigger must be an AFTER trigger");

	tupdesc = RelationGetDescr(trigdata->tg_relation);

	/* an update that moves no activity between counts costs nothing more */
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		GetCountKey(trigdata->tg_trigtuple, tupdesc, &old_key);
		GetCountKey(trigdata->tg_newtuple, tupdesc, &new_key);
		if (SameCountKey(&old_key, &new_key, tupdesc))
			return PointerGetDatum(NULL);
	}

	/* write as the table's owner; restored on error by transaction abort */
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(trigdata->tg_relation->rd_rel->relowner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
	{
		if (SPI_execute("TRUNCATE " CLARKY_SCHEMA ".activity_counts", false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not truncate clarky.activity_counts");
	}
	else if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "clarky_activity_counts_trigger must be a row trigger, or on TRUNCATE");
	else if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		GetCountKey(trigdata->tg_trigtuple, tupdesc, &new_key);
		AddToCounts(&new_key, 1);
	}
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		GetCountKey(trigdata->tg_trigtuple, tupdesc, &old_key);
		AddToCounts(&old_key, -1);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		/* keys read above, and different */
		AddToCounts(&old_key, -1);
		AddToCounts(&new_key, 1);
	}

	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return PointerGetDatum(NULL);
}
