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
 * Each row also counts its activities by calendar month (UTC) of
 * occurred_at, in "months": a bigint[] whose subscripts are the months,
 * from 1970-01 as 0 to 2099-12 as CLARKY_COUNT_MONTHS - 1 (earlier
 * activities count in the first, later ones in the last), with zeros
 * trimmed from both ends.  They tell a deep page of a timeline in which
 * month it begins (timeline.c), so that it reads one month's index
 * entries instead of every entry before it.  Moving an activity to another
 * month is a change of counts like any other.
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

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "clarky_activity.h"
#include "iso8601.h"

/* This backend's stripe: its id, unique among running backends */
#if PG_VERSION_NUM >= 170000
#define COUNT_STRIPE() (MyProcNumber + 1)
#else
#define COUNT_STRIPE() MyBackendId
#endif

/*
 * The statements that add to a count, prepared once per backend and type
 * (each adds to its type's column), in two forms: with the months, and for
 * the counts of versions older than 1.3.0, which have none.  Parameters: $1
 * workspace, $2 owner kind, $3 owner id, $4 stripe, $5 the number to add,
 * $6 the activity's occurred_at; the _MANY ones take owner kinds and ids as
 * two text[] of one length.  The UPDATEs serve every write but the first
 * of a backend to an owner (COUNT_UPDATE_MANY returns the owners it found);
 * the upserts create the rows the UPDATE missed (or add to ones made
 * meanwhile).
 */
typedef enum CountStatement
{
	COUNT_UPDATE,
	COUNT_UPSERT,
	COUNT_UPDATE_MANY,
	COUNT_UPSERT_MANY,
	NUM_COUNT_STATEMENTS
} CountStatement;

static SPIPlanPtr count_plans[2][NUM_COUNT_STATEMENTS][CLARKY_ACTIVITY_TYPE_COUNT];

/* a count's key: the workspace $1, the owner's kind and id, the stripe $4 */
#define COUNT_KEY_EQ(kind, id) \
	"c.workspace_id OPERATOR(pg_catalog.=) $1 " \
	"AND c.owner_kind OPERATOR(pg_catalog.=) " kind " " \
	"AND c.owner_id OPERATOR(pg_catalog.=) " id " " \
	"AND c.stripe OPERATOR(pg_catalog.=) $4"

/* the months' column of a row changed by the write */
#define ADD_TO_MONTHS(months) \
	CLARKY_SCHEMA ".add_to_month_count(" months ", $6, $5)"

static SPIPlanPtr
CountPlan(bool months, CountStatement statement, int type)
{
	Oid			argtypes[6] = {TEXTOID, TEXTOID, TEXTOID, INT4OID, INT8OID, TIMESTAMPTZOID};
	const char *label = ClarkyActivityTypes[type];
	const char *set_months = months ? ", months = " ADD_TO_MONTHS("c.months") : "";
	char	   *sql = NULL;
	SPIPlanPtr *slot = &count_plans[months][statement][type];

	if (*slot != NULL)
		return *slot;

	if (statement == COUNT_UPDATE_MANY || statement == COUNT_UPSERT_MANY)
		argtypes[1] = argtypes[2] = TEXTARRAYOID;

	/* the type's column is its label and "s": notes, calls, ... */
	switch (statement)
	{
		case COUNT_UPDATE:
			sql = psprintf("UPDATE " CLARKY_SCHEMA ".activity_counts AS c "
						   "SET %ss = c.%ss OPERATOR(pg_catalog.+) $5%s "
						   "WHERE " COUNT_KEY_EQ("$2", "$3"),
						   label, label, set_months);
			break;
		case COUNT_UPDATE_MANY:
			sql = psprintf("UPDATE " CLARKY_SCHEMA ".activity_counts AS c "
						   "SET %ss = c.%ss OPERATOR(pg_catalog.+) $5%s "
						   "FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS o (kind, id) "
						   "WHERE " COUNT_KEY_EQ("o.kind", "o.id") " RETURNING c.owner_kind, c.owner_id",
						   label, label, set_months);
			break;
		case COUNT_UPSERT:
		case COUNT_UPSERT_MANY:
			sql = psprintf("INSERT INTO " CLARKY_SCHEMA ".activity_counts AS c "
						   "(workspace_id, owner_kind, owner_id, stripe, %ss%s) "
						   "%s%s%s "
						   "ON CONFLICT (workspace_id, owner_kind, owner_id, stripe) "
						   "DO UPDATE SET %ss = c.%ss OPERATOR(pg_catalog.+) EXCLUDED.%ss%s",
						   label, months ? ", months" : "",
						   statement == COUNT_UPSERT ? "VALUES ($1, $2, $3, $4, $5" :
						   "SELECT $1, o.kind, o.id, $4, $5",
						   months ? ", " ADD_TO_MONTHS("'{}'::pg_catalog.int8[]") : "",
						   statement == COUNT_UPSERT ? ")" :
						   " FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS o (kind, id)",
						   label, label, label, set_months);
			break;
		case NUM_COUNT_STATEMENTS:
			pg_unreachable();
	}
	*slot = ClarkyKeepPlan(sql, months ? 6 : 5, argtypes);
	pfree(sql);
	return *slot;
}

/* Every statement in both forms, with the months and without */
void
ClarkyPrepareCountStatements(void)
{
	for (int months = 0; months < 2; months++)
		for (int s = 0; s < NUM_COUNT_STATEMENTS; s++)
			for (int type = 0; type < CLARKY_ACTIVITY_TYPE_COUNT; type++)
				(void) CountPlan(months, s, type);
}

/*
 * Whether clarky.activity_counts has its months (1.3.0 and later; the
 * library serves the tables of every version).  Looked up at each call, in
 * the catalog caches: three lookups, a fraction of a microsecond, where a
 * copy kept here would have to follow every ALTER of the table.
 */
bool
ClarkyCountsHaveMonths(void)
{
	Oid			relid = get_relname_relid("activity_counts",
										  get_namespace_oid(CLARKY_SCHEMA, false));

	return OidIsValid(relid) && get_attnum(relid, "months") != InvalidAttrNumber;
}

/* The month of the counts an activity occurred at counts in */
int
ClarkyCountMonth(TimestampTz occurred_at)
{
	return Max(0, Min(Iso8601Month(occurred_at), CLARKY_COUNT_MONTHS - 1));
}

/* The first instant after a month of the counts (infinity after the last) */
TimestampTz
ClarkyCountMonthEnd(int month)
{
	if (month >= CLARKY_COUNT_MONTHS - 1)
		return DT_NOEND;
	return Iso8601MonthStart(month + 1);
}

/* The elements of a one-dimensional array without nulls */
#define MONTHS_DATA(array) ((int64 *) ((char *) (array) + ARR_OVERHEAD_NONULLS(1)))

/* A month's count in months (first, n), after delta is added to month's */
static inline int64
CountAfter(const int64 *counts, int first, int n, int month, int64 delta, int m)
{
	int64		count = (m >= first && m < first + n) ? counts[m - first] : 0;

	return (m == month) ? count + delta : count;
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_add_to_month_count);

/*
 * clarky.add_to_month_count(months bigint[], occurred_at timestamptz, delta
 * bigint): months with delta added to the month of occurred_at, grown or
 * trimmed so that its first and last elements are not zero.  As the
 * transition function of the aggregate clarky.month_counts it adds in
 * place where it can, as PostgreSQL allows of an aggregate's state.
 */
Datum
clarky_add_to_month_count(PG_FUNCTION_ARGS)
{
	ArrayType  *months = PG_GETARG_ARRAYTYPE_P(0);
	int			month = ClarkyCountMonth(PG_GETARG_TIMESTAMPTZ(1));
	int64		delta = PG_GETARG_INT64(2);
	int			n;
	int			first;
	int64	   *counts;
	int			lo;
	int			hi;
	ArrayType  *result;
	Size		size;

	if (ARR_NDIM(months) > 1 || ARR_HASNULL(months) || ARR_ELEMTYPE(months) != INT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"months\" must be a one-dimensional bigint array without nulls"),
				 ClarkyErrorField("months")));
	n = ArrayGetNItems(ARR_NDIM(months), ARR_DIMS(months));
	first = (n > 0) ? ARR_LBOUND(months)[0] : month;
	counts = MONTHS_DATA(months);

	/* inside the state's array, leaving no zero at its ends: in place */
	if (AggCheckCallContext(fcinfo, NULL) && month >= first && month < first + n &&
		((month > first && month < first + n - 1) ||
		 CountAfter(counts, first, n, month, delta, month) != 0))
	{
		counts[month - first] += delta;
		PG_RETURN_ARRAYTYPE_P(months);
	}

	/* the new bounds: the month in, the zeros at the ends out */
	lo = Min(first, month);
	hi = Max(first + n - 1, month);
	while (lo <= hi && CountAfter(counts, first, n, month, delta, lo) == 0)
		lo++;
	while (hi >= lo && CountAfter(counts, first, n, month, delta, hi) == 0)
		hi--;
	if (lo > hi)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT8OID));

	size = ARR_OVERHEAD_NONULLS(1) + (Size) (hi - lo + 1) * sizeof(int64);
	result = (ArrayType *) palloc0(size);
	SET_VARSIZE(result, size);
	result->ndim = 1;
	result->dataoffset = 0;
	result->elemtype = INT8OID;
	ARR_DIMS(result)[0] = hi - lo + 1;
	ARR_LBOUND(result)[0] = lo;
	for (int m = lo; m <= hi; m++)
		MONTHS_DATA(result)[m - lo] = CountAfter(counts, first, n, month, delta, m);
	PG_RETURN_ARRAYTYPE_P(result);
}

/*
 * The owners an activity counts for, by the owner kinds of the counts:
 * its contacts, its companies, and the companies it reaches through its
 * people (see links.c)
 */
typedef enum CountKind
{
	COUNT_CONTACT,
	COUNT_COMPANY,
	COUNT_VIA_COMPANY,
	NUM_COUNT_KINDS
} CountKind;

static const char *const count_kinds[NUM_COUNT_KINDS] = {
	"contact", "company", "via_company"
};

/* What of a row of clarky.activities the counts follow */
typedef struct CountKey
{
	Datum		workspace;
	Oid			type;
	bool		live;			/* not soft-deleted: counted */
	Datum		occurred_at;	/* the timestamptz of its month */
	int			month;			/* that month, as the counts number them */
	Datum	   *owners[NUM_COUNT_KINDS];	/* owner ids, of each kind */
	int			n[NUM_COUNT_KINDS];
} CountKey;

/* A column's value, or NULL where the table (of an older version) has none */
static Datum
Column(HeapTuple tuple, TupleDesc tupdesc, const char *name, bool *isnull)
{
	int			attnum = SPI_fnumber(tupdesc, name);

	*isnull = true;
	if (attnum <= 0)
		return (Datum) 0;
	return SPI_getbinval(tuple, tupdesc, attnum, isnull);
}

/* Add a primary owner (a text, unless null) and the others (a text[]) */
static void
AddOwners(CountKey *key, CountKind kind, HeapTuple tuple, TupleDesc tupdesc,
		  const char *primary, const char *others)
{
	bool		isnull;
	Datum		value;
	Datum	   *ids = NULL;
	int			n = 0;

	if (others != NULL)
	{
		value = Column(tuple, tupdesc, others, &isnull);
		if (!isnull)
			deconstruct_array(DatumGetArrayTypeP(value), TEXTOID, -1, false,
							  TYPALIGN_INT, &ids, NULL, &n);
	}
	key->owners[kind] = palloc((n + 1) * sizeof(Datum));
	key->n[kind] = 0;
	if (primary != NULL)
	{
		value = Column(tuple, tupdesc, primary, &isnull);
		if (!isnull)
			key->owners[kind][key->n[kind]++] = value;
	}
	for (int i = 0; i < n; i++)
		key->owners[kind][key->n[kind]++] = ids[i];
}

static void
GetCountKey(HeapTuple tuple, TupleDesc tupdesc, CountKey *key)
{
	bool		isnull;

	key->workspace = Column(tuple, tupdesc, "workspace_id", &isnull);
	key->type = DatumGetObjectId(Column(tuple, tupdesc, "activity_type", &isnull));
	key->occurred_at = Column(tuple, tupdesc, "occurred_at", &isnull);
	key->month = ClarkyCountMonth(DatumGetTimestampTz(key->occurred_at));

	/* deleted activities are not counted (1.0.0's table has no deleted_at) */
	(void) Column(tuple, tupdesc, "deleted_at", &key->live);

	/* 1.2.0's table and older have the primary owners only */
	AddOwners(key, COUNT_CONTACT, tuple, tupdesc, "contact_id", "other_contact_ids");
	AddOwners(key, COUNT_COMPANY, tuple, tupdesc, "company_id", "other_company_ids");
	AddOwners(key, COUNT_VIA_COMPANY, tuple, tupdesc, NULL, "via_company_ids");
}

/*
 * The owners of key, of each kind, that other has not (both keys of the
 * same workspace, type and liveness): what an update changes
 */
static CountKey
OwnersNotIn(const CountKey *key, const CountKey *other)
{
	CountKey	result = *key;

	for (int k = 0; k < NUM_COUNT_KINDS; k++)
	{
		result.owners[k] = palloc((key->n[k] + 1) * sizeof(Datum));
		result.n[k] = 0;
		for (int i = 0; i < key->n[k]; i++)
		{
			bool		common = false;

			for (int j = 0; j < other->n[k] && !common; j++)
				common = ClarkyTextEqual(key->owners[k][i], other->owners[k][j]);
			if (!common)
				result.owners[k][result.n[k]++] = key->owners[k][i];
		}
	}
	return result;
}

/*
 * Add delta to the counts of each of key's owners, if it is counted, and
 * to those of its month where the counts have months
 */
static void
AddToCounts(const CountKey *key, int64 delta, bool months)
{
	int			type;
	int			n = 0;
	int			missing;
	Datum	   *kinds;
	Datum	   *ids;
	Datum		values[6];
	const char	nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	if (!key->live)
		return;
	type = ClarkyActivityTypeIndex(key->type);

	if (type < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("activity type \"%s\" cannot be counted",
						ClarkyActivityTypeLabel(key->type)),
				 errdetail("clarky.activity_counts has a column for each of the seven activity types only.")));

	/* every owner of every kind, as (kind, id) pairs: distinct */
	for (int k = 0; k < NUM_COUNT_KINDS; k++)
		n += key->n[k];
	if (n == 0)
		return;
	kinds = palloc(n * sizeof(Datum));
	ids = palloc(n * sizeof(Datum));
	n = 0;
	for (int k = 0; k < NUM_COUNT_KINDS; k++)
		for (int i = 0; i < key->n[k]; i++)
		{
			kinds[n] = CStringGetTextDatum(count_kinds[k]);
			ids[n++] = key->owners[k][i];
		}

	values[0] = key->workspace;
	values[3] = Int32GetDatum(COUNT_STRIPE());
	values[4] = Int64GetDatum(delta);
	values[5] = key->occurred_at;

	/* one owner, the usual case: an UPDATE, and an upsert the first time */
	if (n == 1)
	{
		values[1] = kinds[0];
		values[2] = ids[0];
		if (SPI_execute_plan(CountPlan(months, COUNT_UPDATE, type), values, nulls,
							 false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "activity count update failed");
		if (SPI_processed == 0 &&
			SPI_execute_plan(CountPlan(months, COUNT_UPSERT, type), values, nulls,
							 false, 0) != SPI_OK_INSERT)
			elog(ERROR, "activity count insert failed");
		return;
	}

	/* several: one UPDATE of them all, then an upsert of those it missed */
	values[1] = ClarkyTextArray(kinds, n);
	values[2] = ClarkyTextArray(ids, n);
	if (SPI_execute_plan(CountPlan(months, COUNT_UPDATE_MANY, type), values, nulls,
						 false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "activity counts update failed");
	if (SPI_processed == (uint64) n)
		return;
	missing = 0;
	for (int i = 0; i < n; i++)
	{
		bool		found = false;

		for (uint64 r = 0; r < SPI_processed && !found; r++)
		{
			HeapTuple	tuple = SPI_tuptable->vals[r];
			bool		isnull;

			found = ClarkyTextEqual(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 1, &isnull), kinds[i]) &&
				ClarkyTextEqual(SPI_getbinval(tuple, SPI_tuptable->tupdesc, 2, &isnull), ids[i]);
		}
		if (!found)
		{
			kinds[missing] = kinds[i];
			ids[missing++] = ids[i];
		}
	}
	values[1] = ClarkyTextArray(kinds, missing);
	values[2] = ClarkyTextArray(ids, missing);
	if (SPI_execute_plan(CountPlan(months, COUNT_UPSERT_MANY, type), values, nulls,
						 false, 0) != SPI_OK_INSERT)
		elog(ERROR, "activity counts insert failed");
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
	bool		months;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event))
		elog(ERROR, "clarky_activity_counts_trigger must be an AFTER trigger");

	tupdesc = RelationGetDescr(trigdata->tg_relation);
	months = ClarkyCountsHaveMonths();

	/*
	 * An update that moves no activity between counts costs nothing more; one
	 * that keeps its workspace, type, liveness and month changes the counts
	 * of the owners it gains or loses only.
	 */
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
	{
		bool		changed = true;

		GetCountKey(trigdata->tg_trigtuple, tupdesc, &old_key);
		GetCountKey(trigdata->tg_newtuple, tupdesc, &new_key);
		if (old_key.type == new_key.type && old_key.live == new_key.live &&
			(!months || old_key.month == new_key.month) &&
			ClarkyTextEqual(old_key.workspace, new_key.workspace))
		{
			CountKey	lost = OwnersNotIn(&old_key, &new_key);

			new_key = OwnersNotIn(&new_key, &old_key);
			old_key = lost;
			changed = false;
			for (int k = 0; k < NUM_COUNT_KINDS; k++)
				changed |= (old_key.n[k] > 0 || new_key.n[k] > 0);
		}
		if (!changed)
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
		/* the links go too, where the table (of 1.3.0 and later) is there */
		bool		links = OidIsValid(get_relname_relid("activity_links",
														 RelationGetNamespace(trigdata->tg_relation)));

		if (SPI_execute(links ?
						"TRUNCATE " CLARKY_SCHEMA ".activity_counts, " CLARKY_SCHEMA ".activity_links" :
						"TRUNCATE " CLARKY_SCHEMA ".activity_counts", false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not truncate the counts and links of clarky.activities");
	}
	else if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		elog(ERROR, "clarky_activity_counts_trigger must be a row trigger, or on TRUNCATE");
	else if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		GetCountKey(trigdata->tg_trigtuple, tupdesc, &new_key);
		AddToCounts(&new_key, 1, months);
	}
	else if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		GetCountKey(trigdata->tg_trigtuple, tupdesc, &old_key);
		AddToCounts(&old_key, -1, months);
	}
	else if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		/* keys read above, and different */
		AddToCounts(&old_key, -1, months);
		AddToCounts(&new_key, 1, months);
	}

	SPI_finish();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return PointerGetDatum(NULL);
}
