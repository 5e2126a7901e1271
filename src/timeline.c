/*-------------------------------------------------------------------------
 *
 * timeline.c
 *	  clarky.contact_activities() and clarky.company_activities(): one page
 *	  of an owner's timeline, newest first, with the pagination totals.
 *
 * A timeline's roads (links.c) are the activities' own index of the
 * primary owner and the owner's ranges of clarky.activity_links: a
 * contact's other activities, a company's other activities and, in scope
 * "all", those reaching it through its people.  Each page reads each road
 * newest first by occurred_at with ties by id descending, and merges them,
 * so pages never overlap or skip; an activity reaches an owner by one road
 * only, so it appears once.  "total" is the sum of the owner's rows in
 * clarky.activity_counts (see activity_counts.c), read only where the page
 * alone cannot tell it.  Deep pages find their ids with index-only scans
 * before fetching the rows: a whole timeline's from the end of the month
 * it begins in, which the counts' months tell, reading that month's
 * entries only; a type's from the nearer end of the owner's ranges.
 * Every query names the call's workspace as a parameter.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/builtins.h"
#include "mb/pg_wchar.h"
#include "utils/memutils.h"

#include "clarky_activity.h"

/*
 * The roads to each kind of timeline: the activities' own column of the
 * primary owner, and the kinds of link to the others (links.c)
 */
static const struct
{
	const char *parameter;		/* the owner's parameter and primary column */
	const char *links[2];		/* the owner kinds of its links, NULL-ended */
}			roads[NUM_TIMELINE_KINDS] = {
	[TIMELINE_CONTACT] = {"contact_id", {"contact", NULL}},
	[TIMELINE_COMPANY] = {"company_id", {"company", "via_company"}},
	[TIMELINE_COMPANY_DIRECT] = {"company_id", {"company", NULL}},
};

#define NUM_LINK_ROADS(kind) (roads[kind].links[1] ? 2 : 1)

/*
 * Offsets from which a page is found by its ids first (a deferred join):
 * below it, reading the rows in index order is cheaper.
 */
#define DEFERRED_JOIN_OFFSET 250

/* The statements of a timeline */
typedef enum TimelineQuery
{
	QUERY_PAGE,					/* rows in index order, newest first */
	QUERY_PAGE_BY_IDS,			/* ids from the index, newest first, then rows */
	QUERY_PAGE_BY_IDS_REVERSED, /* the same, counting from the oldest end */
	QUERY_PAGE_BY_IDS_BEFORE,	/* the same, newest first from before $6 */
	QUERY_MONTHS,				/* each count row's total and months */
	QUERY_TOTAL,				/* the sum of the owner's counts */
	QUERY_COUNT_ROWS,			/* count(*), where the counts are not kept */
	NUM_TIMELINE_QUERIES
} TimelineQuery;

/* Prepared once per backend: [kind][filtered by type][query] */
static SPIPlanPtr plans[NUM_TIMELINE_KINDS][2][NUM_TIMELINE_QUERIES];

#define EQ " OPERATOR(pg_catalog.=) "
#define TYPE_EQ " OPERATOR(" CLARKY_SCHEMA ".=) $3::" CLARKY_SCHEMA ".activity_type"

/* What each road of a timeline yields */
typedef enum RoadColumns
{
	ROAD_ROWS,					/* the activities' columns */
	ROAD_KEYS,					/* occurred_at and id: index-only */
	ROAD_COUNT					/* count(*) */
} RoadColumns;

/*
 * One road: the activities whose primary owner is $2, or the activities
 * linked to $2 by a link of owner kind link_kind (NULL: the primary road).
 * $1 is the workspace, $3 the activity type where filtered, and where
 * before, $6 the instant its activities occurred before.  Each is a range
 * of a partial index of live entries, newest first.
 */
static void
AppendRoad(StringInfo sql, ClarkyTimelineKind kind, const char *link_kind,
		   bool filtered, bool before, RoadColumns columns)
{
	if (link_kind == NULL)
	{
		appendStringInfo(sql, "SELECT %s FROM " CLARKY_SCHEMA ".activities"
						 " WHERE workspace_id" EQ "$1 AND %s" EQ "$2"
						 " AND deleted_at IS NULL%s%s",
						 columns == ROAD_ROWS ? ClarkySelectList() :
						 columns == ROAD_KEYS ? "occurred_at, id" : "pg_catalog.count(*)",
						 roads[kind].parameter,
						 filtered ? " AND activity_type" TYPE_EQ : "",
						 before ? " AND occurred_at OPERATOR(pg_catalog.<) $6" : "");
		return;
	}
	appendStringInfoString(sql, "SELECT ");
	if (columns == ROAD_ROWS)
	{
		/*
		 * A link's occurred_at and activity id are its activity's: taken from
		 * the link, so that the rows are known to come in the link index's
		 * order, and the merge reads each road only as far as the page needs.
		 * The rest of the row is fetched by primary key, link by link, in a
		 * subquery the planner keeps (OFFSET 0): as a join, its estimate of
		 * both keys' equality is one row for the whole road, which can make
		 * hashing every activity of the workspace look cheaper than reading a
		 * page's links.  The subquery names the workspace $1 itself, as every
		 * table of a statement must for Citus to route it (plans.c).
		 */
		for (int f = 0; f < FIELD_COUNT; f++)
			appendStringInfo(sql, "%s%s%s", f ? ", " : "",
							 f == FIELD_ID || f == FIELD_OCCURRED_AT ? "l." : "a.",
							 f == FIELD_ID ? "activity_id" : ClarkyFields[f].column);
		appendStringInfoString(sql, " FROM " CLARKY_SCHEMA ".activity_links AS l"
							   " CROSS JOIN LATERAL (SELECT ");
		ClarkyAppendSelectList(sql, "a.");
		appendStringInfoString(sql, " FROM " CLARKY_SCHEMA ".activities AS a"
							   " WHERE a.workspace_id" EQ "$1"
							   " AND a.id" EQ "l.activity_id"
							   " AND a.occurred_at" EQ "l.occurred_at"
							   " AND a.deleted_at IS NULL OFFSET 0) AS a");
	}
	else
		appendStringInfo(sql, "%s FROM " CLARKY_SCHEMA ".activity_links AS l",
						 columns == ROAD_KEYS ? "l.occurred_at, l.activity_id" :
						 "pg_catalog.count(*)");
	appendStringInfo(sql, " WHERE l.workspace_id" EQ "$1 AND l.owner_kind" EQ "'%s'"
					 " AND l.owner_id" EQ "$2%s%s",
					 link_kind, filtered ? " AND l.activity_type" TYPE_EQ : "",
					 before ? " AND l.occurred_at OPERATOR(pg_catalog.<) $6" : "");
}

/*
 * Every road of the timeline, as a UNION ALL.  For a page (order "DESC",
 * newest first, or "" from the oldest end), each road is read in its
 * index's order and cut at the page's end ($4 and $5): the planner then
 * reads each one's index in order, as far as the page needs, whatever its
 * estimates of a generic plan, and sorts a few rows.
 */
static void
AppendRoads(StringInfo sql, ClarkyTimelineKind kind, bool filtered,
			bool before, RoadColumns columns, const char *order)
{
	for (int i = -1; i < NUM_LINK_ROADS(kind); i++)
	{
		const char *link_kind = (i < 0) ? NULL : roads[kind].links[i];

		if (i >= 0)
			appendStringInfoString(sql, " UNION ALL ");
		if (order != NULL)
			appendStringInfoChar(sql, '(');
		AppendRoad(sql, kind, link_kind, filtered, before, columns);
		if (order != NULL)
			appendStringInfo(sql, " ORDER BY %s %s, %s %s"
							 " LIMIT $4 OPERATOR(pg_catalog.+) $5)",
							 link_kind ? "l.occurred_at" : "occurred_at", order,
							 link_kind ? "l.activity_id" : "id", order);
	}
}

/*
 * The owner's rows of kept counts, of each owner kind of its roads (the
 * counts' owner kinds are the links', the primary one's counted as one of
 * them), as "SELECT <what> FROM ... WHERE ..."; what is a row's total: of
 * every type's column, or, when filtered, of the column of the type $3
 * (each type's column is its label and "s"), in sum for the owner's total
 * or, for its months, beside them row by row
 */
static void
AppendKeptCounts(StringInfo sql, ClarkyTimelineKind kind, bool filtered,
				 bool months)
{
	appendStringInfoString(sql, months ? "SELECT (" : "SELECT pg_catalog.sum(");
	for (int i = 0; i < CLARKY_ACTIVITY_TYPE_COUNT; i++)
	{
		const char *label = ClarkyActivityTypes[i];

		if (filtered)
			appendStringInfo(sql, "%s $3" EQ "'%s' THEN %ss",
							 i == 0 ? "CASE WHEN" : " WHEN", label, label);
		else
			appendStringInfo(sql, "%s%ss", i == 0 ? "" : " OPERATOR(pg_catalog.+) ", label);
	}
	appendStringInfo(sql, "%s)::pg_catalog.int8%s"
					 " FROM " CLARKY_SCHEMA ".activity_counts"
					 " WHERE workspace_id" EQ "$1 AND owner_id" EQ "$2"
					 " AND owner_kind" EQ "ANY ('{%s%s%s}'::pg_catalog.text[])",
					 filtered ? " END" : "", months ? ", months" : "",
					 roads[kind].links[0],
					 roads[kind].links[1] ? "," : "",
					 roads[kind].links[1] ? roads[kind].links[1] : "");
}

/*
 * A timeline statement.  Parameters: $1 workspace, $2 owner id, $3 activity
 * type (used only when filtered), for a page $4 limit and $5 offset, and
 * for QUERY_PAGE_BY_IDS_BEFORE $6 the instant its roads are read from.
 * Operators and names are schema-qualified: the plans do not depend on
 * search_path.
 *
 * A page merges the roads, each read newest first from its index (see
 * AppendRoads).
 * QUERY_PAGE_BY_IDS finds the page's ids with index-only scans, which skip
 * the offset's entries without visiting the tables, then fetches just
 * those rows by primary key.  The _REVERSED form counts the offset from
 * the other end of the indexes, for pages past the middle; the _BEFORE
 * form from a month's end, which the owner's kept months tell (see
 * DeepPageMonth).
 */
static SPIPlanPtr
TimelinePlan(ClarkyTimelineKind kind, bool filtered, TimelineQuery query)
{
	SPIPlanPtr *slot = &plans[kind][filtered][query];
	Oid			argtypes[6] = {TEXTOID, TEXTOID, TEXTOID, INT8OID, INT8OID, TIMESTAMPTZOID};
	int			nargs = 5;
	StringInfoData sql;
	SPIPlanPtr	plan;

	if (*slot != NULL)
		return *slot;

	initStringInfo(&sql);
	switch (query)
	{
		case QUERY_PAGE:
			appendStringInfo(&sql, "SELECT %s", ClarkySelectList());

			/*
			 * A whole timeline's first page is mostly full, and then needs
			 * the total: fetch the kept one with it, as a column more.  A
			 * type's first page is mostly short, and needs none.
			 */
			if (!filtered)
			{
				appendStringInfoString(&sql, ", (");
				AppendKeptCounts(&sql, kind, false, false);
				appendStringInfoChar(&sql, ')');
			}
			appendStringInfoString(&sql, " FROM (");
			AppendRoads(&sql, kind, filtered, false, ROAD_ROWS, "DESC");
			appendStringInfoString(&sql, ") AS t ORDER BY occurred_at DESC, id DESC"
								   " LIMIT $4 OFFSET $5");
			break;
		case QUERY_PAGE_BY_IDS:
		case QUERY_PAGE_BY_IDS_REVERSED:
		case QUERY_PAGE_BY_IDS_BEFORE:
			appendStringInfo(&sql, "SELECT %s"
							 " FROM " CLARKY_SCHEMA ".activities"
							 " WHERE workspace_id" EQ "$1 AND deleted_at IS NULL"
							 " AND id" EQ "ANY (ARRAY(SELECT id FROM (",
							 ClarkySelectList());
			AppendRoads(&sql, kind, filtered, query == QUERY_PAGE_BY_IDS_BEFORE, ROAD_KEYS,
						query == QUERY_PAGE_BY_IDS_REVERSED ? "" : "DESC");
			appendStringInfoString(&sql, query == QUERY_PAGE_BY_IDS_REVERSED ?
								   ") AS t (occurred_at, id) ORDER BY occurred_at, id" :
								   ") AS t (occurred_at, id) ORDER BY occurred_at DESC, id DESC");
			appendStringInfoString(&sql, " LIMIT $4 OFFSET $5))"
								   " ORDER BY occurred_at DESC, id DESC");
			break;
		case QUERY_TOTAL:
		case QUERY_MONTHS:
			AppendKeptCounts(&sql, kind, filtered, query == QUERY_MONTHS);
			break;
		case QUERY_COUNT_ROWS:
			appendStringInfoString(&sql, "SELECT pg_catalog.sum(n)::pg_catalog.int8 FROM (");
			AppendRoads(&sql, kind, filtered, false, ROAD_COUNT, NULL);
			appendStringInfoString(&sql, ") AS t (n)");
			break;
		case NUM_TIMELINE_QUERIES:
			pg_unreachable();
	}

	if (query == QUERY_TOTAL || query == QUERY_MONTHS || query == QUERY_COUNT_ROWS)
		nargs = 3;
	else if (query == QUERY_PAGE_BY_IDS_BEFORE)
		nargs = 6;

	/*
	 * a generic plan: the same index range scans serve every owner (a custom
	 * one under distributed planning, see plans.c)
	 */
	plan = ClarkyKeepPlan(sql.data, nargs, argtypes);
	pfree(sql.data);
	*slot = plan;
	return plan;
}

void
ClarkyPrepareTimelineStatements(void)
{
	for (int kind = 0; kind < NUM_TIMELINE_KINDS; kind++)
		for (int filtered = 0; filtered < 2; filtered++)
			for (int query = 0; query < NUM_TIMELINE_QUERIES; query++)
				(void) TimelinePlan(kind, filtered, query);
}

/* Whether the counts are kept, as last seen (-1: look again), and where */
static int	counts_kept = -1;
static Oid	counts_relid = InvalidOid;

/* A change to clarky.activities (or to everything): look again */
static void
ForgetCountsKept(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == counts_relid)
		counts_kept = -1;
}

/* Module load: follow changes to clarky.activities' triggers */
void
ClarkyTimelineInit(void)
{
	CacheRegisterRelcacheCallback(ForgetCountsKept, (Datum) 0);
}

/*
 * Whether clarky.activity_counts is being kept: its trigger on
 * clarky.activities exists and is not disabled.  (It is disabled for a bulk
 * load, and Citus refuses it unless citus.enable_unsafe_triggers is on.)
 * Call it after a statement has locked the table, so that a change of the
 * trigger has been seen.
 */
static bool
CountsAreKept(void)
{
	Relation	rel;

	if (counts_kept >= 0)
		return counts_kept;

	counts_relid = ClarkyActivitiesRelid();
	rel = table_open(counts_relid, AccessShareLock);
	counts_kept = 0;
	for (int i = 0; rel->trigdesc && i < rel->trigdesc->numtriggers; i++)
	{
		Trigger    *trigger = &rel->trigdesc->triggers[i];

		if (strcmp(trigger->tgname, CLARKY_COUNTS_TRIGGER) == 0 &&
			trigger->tgenabled != TRIGGER_DISABLED)
			counts_kept = 1;
	}
	table_close(rel, AccessShareLock);
	return counts_kept;
}

/*
 * The owner's total in this snapshot: the sum of its counts, or, where the
 * counts are not being kept, a count of its rows (an index-only scan).
 */
static int64
TimelineTotal(ClarkyTimelineKind kind, bool filtered, Datum *values, char *nulls)
{
	bool		isnull;
	Datum		total;
	TimelineQuery query = CountsAreKept() ? QUERY_TOTAL : QUERY_COUNT_ROWS;

	if (SPI_execute_plan(TimelinePlan(kind, filtered, query), values, nulls,
						 true, 0) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "timeline total query failed");
	total = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(total);
}

/*
 * The owner's total from its kept counts and, where the page at offset
 * exists, the month it begins in, from the counts' months
 * (activity_counts.c): the page is then the one at *skip from the newest
 * activity before *before, the end of that month, and true is returned.
 * False where the page does not exist, or where the months cannot tell:
 * their sums are not the counts' (counts kept meanwhile by a library that
 * kept no months), or not all at least 0.
 */
static bool
DeepPageMonth(ClarkyTimelineKind kind, Datum *values, char *nulls,
			  int64 offset, int64 *total, TimestampTz *before, int64 *skip)
{
	int64	   *sums;
	int64		in_months = 0;
	int64		newer = 0;
	bool		told = true;

	if (SPI_execute_plan(TimelinePlan(kind, false, QUERY_MONTHS), values, nulls,
						 true, 0) != SPI_OK_SELECT)
		elog(ERROR, "timeline months query failed");
	*total = 0;
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		bool		isnull;

		*total += DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[r],
											  SPI_tuptable->tupdesc, 1, &isnull));
	}
	if (offset >= *total)
		return false;

	sums = palloc0(CLARKY_COUNT_MONTHS * sizeof(int64));
	for (uint64 r = 0; r < SPI_processed && told; r++)
	{
		bool		isnull;
		ArrayType  *months = DatumGetArrayTypeP(SPI_getbinval(SPI_tuptable->vals[r],
															  SPI_tuptable->tupdesc, 2, &isnull));
		Datum	   *counts;
		int			n;
		int			first;

		if (ARR_NDIM(months) == 0)
			continue;
		told = ARR_NDIM(months) == 1 && !ARR_HASNULL(months);
		if (!told)
			break;
		deconstruct_array(months, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
						  &counts, NULL, &n);
		first = ARR_LBOUND(months)[0];
		told = first >= 0 && first <= CLARKY_COUNT_MONTHS - n;
		for (int i = 0; i < n && told; i++)
		{
			sums[first + i] += DatumGetInt64(counts[i]);
			in_months += DatumGetInt64(counts[i]);
		}
	}
	for (int m = 0; m < CLARKY_COUNT_MONTHS && told; m++)
		told = sums[m] >= 0;
	if (!told || in_months != *total)
		return false;

	/* newest first: the month in which the count of newer ones passes offset */
	for (int m = CLARKY_COUNT_MONTHS - 1; m >= 0; m--)
	{
		if (offset < newer + sums[m])
		{
			*before = ClarkyCountMonthEnd(m);
			*skip = offset - newer;
			return true;
		}
		newer += sums[m];
	}
	pg_unreachable();
}

/*
 * One page of owner_id's timeline as {"data": [...], "pagination": {...}},
 * filtered by type_label unless it is NULL.  Validates the owner id and the
 * page parameters; type_label must be one of ClarkyActivityTypes.
 *
 * All statements run read-only in the function's snapshot, so the total
 * always agrees with the page.
 */
/* Check a page's parameters */
void
ClarkyCheckPage(int32 page, int32 page_size)
{
	if (page < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"page\" must be at least 1"),
				 errdetail("Got %d.", page),
				 ClarkyErrorField("page")));
	if (page_size < 1 || page_size > CLARKY_MAX_PAGE_SIZE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"page_size\" must be between 1 and %d",
						CLARKY_MAX_PAGE_SIZE),
				 errdetail("Got %d.", page_size),
				 ClarkyErrorField("page_size")));
}

text *
ClarkyTimeline(ClarkyTimelineKind kind, text *owner_id, const char *type_label,
			   int32 page, int32 page_size)
{
	bool		filtered = (type_label != NULL);
	int64		offset;
	int64		total = -1;		/* not known yet */
	uint64		nrows = 0;
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	StringInfoData buf;

	ClarkyRequireCurrentSql();
	ClarkyCheckOwnerId(roads[kind].parameter, owner_id);
	ClarkyCheckPage(page, page_size);
	offset = (int64) (page - 1) * page_size;

	values[0] = PointerGetDatum(ClarkyCurrentWorkspace());
	values[1] = PointerGetDatum(owner_id);
	if (filtered)
		values[2] = CStringGetTextDatum(type_label);
	else
		nulls[2] = 'n';
	values[3] = Int64GetDatum(page_size);
	values[4] = Int64GetDatum(offset);

	/*
	 * The result is built in the caller's context, as a json varlena, in a
	 * buffer sized for a typical page (rows of ~500 bytes), so that it is
	 * seldom copied to grow.
	 */
	initStringInfo(&buf);
	enlargeStringInfo(&buf, page_size * 512);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoString(&buf, "{\"data\": [");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	/*
	 * The first pages are read in index order and, when short, tell their
	 * total themselves.  Deeper pages need the total first, to see whether
	 * the page exists and where to begin reading it.
	 */
	if (offset < DEFERRED_JOIN_OFFSET)
	{
		ClarkyRenderInfo info = {.want_extra = !filtered};

		nrows = ClarkyRenderQuery(TimelinePlan(kind, filtered, QUERY_PAGE),
								  values, nulls, true, &buf, &info);
		if (nrows < (uint64) page_size && (nrows > 0 || offset == 0))
			total = offset + (int64) nrows;
		else if (!filtered && nrows > 0 && CountsAreKept())
			total = info.extra;
	}
	else
	{
		bool		by_month = false;
		TimestampTz before = 0;
		int64		skip = 0;

		/*
		 * A whole timeline's deep page begins in the month that the owner's
		 * kept months tell, and skips only that month's newer entries; the
		 * others skip from the nearer end of the timeline
		 */
		if (!filtered && CountsAreKept() && ClarkyCountsHaveMonths())
			by_month = DeepPageMonth(kind, values, nulls, offset, &total, &before, &skip);
		else
			total = TimelineTotal(kind, filtered, values, nulls);

		if (by_month)
		{
			values[4] = Int64GetDatum(skip);
			values[5] = TimestampTzGetDatum(before);
			nrows = ClarkyRenderQuery(TimelinePlan(kind, false, QUERY_PAGE_BY_IDS_BEFORE),
									  values, nulls, true, &buf, NULL);
		}
		else if (offset < total)
		{
			int64		from_end = total - offset - page_size;
			TimelineQuery query = QUERY_PAGE_BY_IDS;

			if (from_end < offset)
			{
				/* nearer the oldest end: skip from there */
				query = QUERY_PAGE_BY_IDS_REVERSED;
				values[3] = Int64GetDatum(Min(page_size, total - offset));
				values[4] = Int64GetDatum(Max(from_end, 0));
			}
			nrows = ClarkyRenderQuery(TimelinePlan(kind, filtered, query),
									  values, nulls, true, &buf, NULL);
		}
	}

	if (total < 0)
		total = TimelineTotal(kind, filtered, values, nulls);
	SPI_finish();

	return ClarkyFinishPage(&buf, page, page_size, total);
}

/* A company timeline's scope: "all" (NULL too) or "direct" */
ClarkyTimelineKind
ClarkyCompanyScope(text *value)
{
	const char *scope;

	if (value == NULL)
		return TIMELINE_COMPANY;
	scope = text_to_cstring(value);
	if (strcmp(scope, "all") == 0)
		return TIMELINE_COMPANY;
	if (strcmp(scope, "direct") == 0)
		return TIMELINE_COMPANY_DIRECT;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("parameter \"scope\" must be all or direct"),
			 errdetail("Got \"%s\".", pnstrdup(scope, pg_mbcliplen(scope, strlen(scope), 100))),
			 errhint("all: the activities logged against the company and those of its people; direct: the company's own."),
			 ClarkyErrorField("scope")));
	pg_unreachable();
}

/* The SQL face of the timelines: typed arguments, errors raised */
static Datum
TimelineSql(FunctionCallInfo fcinfo, ClarkyTimelineKind kind)
{
	const char *type_label = NULL;

	ClarkyRequireArgument(fcinfo, 0, roads[kind].parameter);
	ClarkyRequireArgument(fcinfo, 2, "page");
	ClarkyRequireArgument(fcinfo, 3, "page_size");
	if (!PG_ARGISNULL(1))
		type_label = ClarkyActivityTypeLabel(PG_GETARG_OID(1));

	PG_RETURN_TEXT_P(ClarkyTimeline(kind, PG_GETARG_TEXT_PP(0), type_label,
									PG_GETARG_INT32(2), PG_GETARG_INT32(3)));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_contact_activities);

/* clarky.contact_activities(contact_id, activity_type, page, page_size) */
Datum
clarky_contact_activities(PG_FUNCTION_ARGS)
{
	return TimelineSql(fcinfo, TIMELINE_CONTACT);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_company_activities);

/*
 * clarky.company_activities(company_id, activity_type, page, page_size,
 * scope); 1.2.0's has no scope, and is a company's whole timeline
 */
Datum
clarky_company_activities(PG_FUNCTION_ARGS)
{
	return TimelineSql(fcinfo, ClarkyCompanyScope((PG_NARGS() <= 4 || PG_ARGISNULL(4)) ?
												  NULL : PG_GETARG_TEXT_PP(4)));
}
