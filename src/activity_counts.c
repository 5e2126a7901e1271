/*-------------------------------------------------------------------------
 *
 * activity_counts.c
 *	  Exact per-owner counts of activities, behind the timelines' "total".
 *
 * clarky.activity_counts holds, per workspace, owner (contact or company),
 * activity type and stripe, a number of activities; a timeline's total is
 * the sum over the stripes (and types), a few rows instead of counting up
 * to every index entry of the owner.  The row trigger below keeps it exact
 * under every write to clarky.activities, including plain SQL: +1 on
 * INSERT, -1 on DELETE, both on an UPDATE that moves an activity to another
 * owner, type or workspace.  Being part of the writing transaction, the
 * counts commit and roll back with the rows, so a snapshot always sees
 * counts and rows that agree.
 *
 * Writers do not queue on one row: each backend adds to its own stripe,
 * numbered by its backend id, which no two running backends share, so
 * concurrent writers never wait for each other on a count (nor deadlock on
 * two of them).  A total sums at most one row per backend slot that ever
 * wrote to that owner and type; clarky.rebuild_activity_counts() folds
 * them into one.
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
 * The statements that add to a count, prepared once per backend for the
 * enum type they were built for.  Parameters: $1 workspace, $2 owner kind,
 * $3 owner id, $4 activity type, $5 stripe, $6 the number to add.  The
 * UPDATE serves every write but the first of a backend to an owner and
 * type; the upsert creates the row (or adds to one made meanwhile).
 */
typedef enum CountStatement
{
	COUNT_UPDATE,
	COUNT_UPSERT
} CountStatement;

static SPIPlanPtr count_plans[2];
static Oid	count_plans_enum;

static SPIPlanPtr
CountPlan(CountStatement statement, Oid enum_type)
{
	Oid			argtypes[6] = {TEXTOID, TEXTOID, TEXTOID, enum_type, INT4OID, INT8OID};
	SPIPlanPtr	plan;

	if (count_plans_enum != enum_type)
	{
		/* first use, or the extension was created again in this backend */
		for (int i = 0; i < 2; i++)
		{
			if (count_plans[i] != NULL)
				SPI_freeplan(count_plans[i]);
			count_plans[i] = NULL;
		}
		count_plans_enum = enum_type;
	}
	if (count_plans[statement] != NULL)
		return count_plans[statement];

	plan = SPI_prepare_cursor(statement == COUNT_UPDATE ?
							  "UPDATE " CLARKY_SCHEMA ".activity_counts "
							  "SET n = n OPERATOR(pg_catalog.+) $6 "
							  "WHERE workspace_id OPERATOR(pg_catalog.=) $1 "
							  "AND owner_kind OPERATOR(pg_catalog.=) $2 "
							  "AND owner_id OPERATOR(pg_catalog.=) $3 "
							  "AND activity_type OPERATOR(" CLARKY_SCHEMA ".=) $4 "
							  "AND stripe OPERATOR(pg_catalog.=) $5" :
							  "INSERT INTO " CLARKY_SCHEMA ".activity_counts AS c "
							  "(workspace_id, owner_kind, owner_id, activity_type, stripe, n) "
							  "VALUES ($1, $2, $3, $4, $5, $6) "
							  "ON CONFLICT (workspace_id, owner_kind, owner_id, activity_type, stripe) "
							  "DO UPDATE SET n = c.n OPERATOR(pg_catalog.+) EXCLUDED.n",
							  6, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for an activity count statement: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	count_plans[statement] = plan;
	return plan;
}

/* The columns of clarky.activities that the counts follow */
typedef struct CountKey
{
	Datum		values[4];		/* workspace_id, contact_id, company_id, type */
	bool		nulls[4];
} CountKey;

static const char *const key_columns[4] = {
	"workspace_id", "contact_id", "company_id", "activity_type"
};

static void
GetCountKey(HeapTuple tuple, TupleDesc tupdesc, CountKey *key)
{
	for (int i = 0; i < 4; i++)
	{
		int			attnum = SPI_fnumber(tupdesc, key_columns[i]);

		if (attnum <= 0)
			elog(ERROR, "column \"%s\" of clarky.activities not found", key_columns[i]);
		key->values[i] = SPI_getbinval(tuple, tupdesc, attnum, &key->nulls[i]);
	}
}

static bool
SameCountKey(const CountKey *a, const CountKey *b, TupleDesc tupdesc)
{
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

/* Add delta to the counts of key's contact and company */
static void
AddToCounts(const CountKey *key, int64 delta, Oid enum_type)
{
	static const char *const kinds[2] = {"contact", "company"};
	Datum		values[6];
	const char	nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = key->values[0];
	values[3] = key->values[3];
	values[4] = Int32GetDatum(COUNT_STRIPE());
	values[5] = Int64GetDatum(delta);

	for (int owner = 0; owner < 2; owner++)
	{
		/* key->values[1] is contact_id, [2] company_id */
		if (key->nulls[1 + owner])
			continue;
		values[1] = CStringGetTextDatum(kinds[owner]);
		values[2] = key->values[1 + owner];

		if (SPI_execute_plan(CountPlan(COUNT_UPDATE, enum_type), values, nulls,
							 false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "activity count update failed");
		if (SPI_processed == 0 &&
			SPI_execute_plan(CountPlan(COUNT_UPSERT, enum_type), values, nulls,
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
	Oid			enum_type;
	Oid			save_userid;
	int			save_sec_context;
	CountKey	old_key;
	CountKey	new_key;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event))
		elog(ERROR, "clarky_activity_counts_trigger must be an AFTER trigger");

	tupdesc = RelationGetDescr(trigdata->tg_relation);
	enum_type = TupleDescAttr(tupdesc, SPI_fnumber(tupdesc, "activity_type") - 1)->atttypid;

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
		AddToCounts(&new_key, 1, enum_type);
	}
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		GetCountKey(trigdata->tg_trigtuple, tupdesc, &old_key);
		AddToCounts(&old_key, -1, enum_type);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		GetCountKey(trigdata->tg_trigtuple, tupdesc, &old_key);
		GetCountKey(trigdata->tg_newtuple, tupdesc, &new_key);
		if (!SameCountKey(&old_key, &new_key, tupdesc))
		{
			AddToCounts(&old_key, -1, enum_type);
			AddToCounts(&new_key, 1, enum_type);
		}
	}

	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return PointerGetDatum(NULL);
}
