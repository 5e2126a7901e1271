/*-------------------------------------------------------------------------
 *
 * plans.c
 *	  How the statements of the C code are prepared: kept for the backend's
 *	  life, and planned so that Citus can run each of them.
 *
 * Every statement the C code runs through SPI is prepared here, by
 * ClarkyKeepPlan.  On one node each gets a generic plan: the same index
 * range scans serve every workspace and owner, planned once.
 *
 * Under Citus the tables of DistributedTables are distributed by
 * workspace_id and co-located (the README's "Scaling out with Citus").
 * Citus routes a statement on one of them to one shard, generic or not;
 * but a generic plan of a statement that touches two of them, with the
 * workspace as a parameter, cannot be planned at all, while with the
 * values bound the same statement goes to one shard.  So, with distributed
 * planning on, a read that touches more than one of them gets a custom
 * plan (planned at each execution, with its values), and a write (or a
 * read that locks rows) touches one: the writes are shaped so (the log
 * looks a contact's companies up in a statement of its own, see
 * log_activity.c), and one that is not is refused as it is prepared, a bug
 * of this code.
 *
 * Distributed planning is on where the citus extension is installed in
 * the database, unless the setting clarky.distributed_planning (for
 * superusers: postgresql.conf, ALTER ROLE or DATABASE ... SET, the
 * connection's options) says otherwise.  It is decided once per backend,
 * at its first statement, so that a backend's statements all have one
 * shape; a later change of the setting applies to new sessions.  The tests
 * run the distributed shapes with it, on one node.
 *
 * clarky_prepared_statements(), a function the tests declare, prepares
 * every statement of the C code and lists each with the distributed
 * tables it touches, whether it writes, and its plan.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/extension.h"
#include "funcapi.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/plancache.h"

#include "clarky_activity.h"

/*
 * The tables of the schema that Citus distributes by workspace_id, the
 * ones the README's scale-out section distributes (test/docs checks the
 * two lists agree); clarky.api_keys is a reference table, copied to every
 * node, and does not count
 */
static const char *const DistributedTables[] = {
	"activities",
	"activity_counts",
	"activity_links",
	"company_memberships",
};

#define NUM_DISTRIBUTED_TABLES ((int) lengthof(DistributedTables))

/* clarky.distributed_planning */
typedef enum DistributedPlanning
{
	DISTRIBUTED_PLANNING_AUTO,
	DISTRIBUTED_PLANNING_ON,
	DISTRIBUTED_PLANNING_OFF
} DistributedPlanning;

static const struct config_enum_entry distributed_planning_options[] = {
	{"auto", DISTRIBUTED_PLANNING_AUTO, false},
	{"on", DISTRIBUTED_PLANNING_ON, false},
	{"off", DISTRIBUTED_PLANNING_OFF, false},
	{NULL, 0, false}
};

static int	distributed_planning_setting = DISTRIBUTED_PLANNING_AUTO;

/* Whether this backend plans for Citus, once decided (-1: not yet) */
static int	distributed_planning = -1;

/* A statement prepared, as the tests list it */
typedef struct KeptStatement
{
	SPIPlanPtr	plan;
	uint32		tables;			/* a bit per entry of DistributedTables */
	bool		writes;			/* writes or locks rows */
	bool		custom;			/* planned with its values at each run */
} KeptStatement;

static KeptStatement *kept;
static int	num_kept;
static int	max_kept;

/* Define the setting */
void
ClarkyPlansInit(void)
{
	DefineCustomEnumVariable("clarky.distributed_planning",
							 "Whether the extension's statements are planned for Citus.",
							 "auto: where the citus extension is installed in the database.  "
							 "A session decides at its first statement; a change applies to new sessions.",
							 &distributed_planning_setting, DISTRIBUTED_PLANNING_AUTO,
							 distributed_planning_options, PGC_SUSET, 0,
							 NULL, NULL, NULL);
}

/* Whether this backend's statements are planned for Citus */
bool
ClarkyDistributedPlanning(void)
{
	if (distributed_planning < 0)
	{
		if (distributed_planning_setting == DISTRIBUTED_PLANNING_AUTO)
			distributed_planning = OidIsValid(get_extension_oid("citus", true));
		else
			distributed_planning =
				(distributed_planning_setting == DISTRIBUTED_PLANNING_ON);
	}
	return distributed_planning;
}

/* The distributed tables a relation list names, as bits of DistributedTables */
static uint32
DistributedTablesOf(List *relation_oids)
{
	Oid			schema = get_namespace_oid(CLARKY_SCHEMA, false);
	uint32		tables = 0;
	ListCell   *lc;

	foreach(lc, relation_oids)
	{
		Oid			relid = lfirst_oid(lc);
		char	   *name;

		if (get_rel_namespace(relid) != schema)
			continue;
		name = get_rel_name(relid);
		for (int t = 0; name != NULL && t < NUM_DISTRIBUTED_TABLES; t++)
			if (strcmp(name, DistributedTables[t]) == 0)
				tables |= 1 << t;
	}
	return tables;
}

/* What a prepared statement touches, and whether it writes or locks rows */
static void
DescribePlan(SPIPlanPtr plan, KeptStatement *statement)
{
	ListCell   *lc;

	statement->plan = plan;
	statement->tables = 0;
	statement->writes = false;
	foreach(lc, SPI_plan_get_plan_sources(plan))
	{
		CachedPlanSource *source = (CachedPlanSource *) lfirst(lc);
		ListCell   *q;

		statement->tables |= DistributedTablesOf(source->relationOids);
		foreach(q, source->query_list)
		{
			Query	   *query = lfirst_node(Query, q);

			statement->writes |= query->commandType != CMD_SELECT ||
				query->hasModifyingCTE || query->rowMarks != NIL;
		}
	}
}

/* The number of distributed tables a statement touches */
static int
NumTables(const KeptStatement *statement)
{
	return pg_popcount32(statement->tables);
}

static SPIPlanPtr
Prepare(const char *sql, int nargs, Oid *argtypes, int options)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, argtypes, options);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	return plan;
}

/*
 * Prepare a statement, kept for the backend's life: with a generic plan,
 * or under distributed planning, where it reads more than one distributed
 * table, with custom plans (see the file's header)
 */
SPIPlanPtr
ClarkyKeepPlan(const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = Prepare(sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
	KeptStatement statement;

	DescribePlan(plan, &statement);
	statement.custom = false;
	if (ClarkyDistributedPlanning() && NumTables(&statement) > 1)
	{
		if (statement.writes)
			elog(ERROR, "statement writes with %d distributed tables, which Citus cannot plan: \"%s\"",
				 NumTables(&statement), sql);
		SPI_freeplan(plan);
		plan = Prepare(sql, nargs, argtypes, CURSOR_OPT_CUSTOM_PLAN);
		statement.plan = plan;
		statement.custom = true;
	}
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");

	if (num_kept == max_kept)
	{
		max_kept = Max(64, max_kept * 2);
		kept = kept == NULL ?
			MemoryContextAlloc(TopMemoryContext, max_kept * sizeof(KeptStatement)) :
			repalloc(kept, max_kept * sizeof(KeptStatement));
	}
	kept[num_kept++] = statement;
	return plan;
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_prepared_statements);

/*
 * clarky_prepared_statements() RETURNS TABLE (statement text, tables
 * text[], writes boolean, plan text): every statement of the C code,
 * prepared now if not yet, with the distributed tables it touches, whether
 * it writes or locks rows, and its plan ("generic" or "custom").  Not in
 * the extension's SQL: the tests declare it.
 */
Datum
clarky_prepared_statements(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	ClarkyRequireCurrentSql();
	InitMaterializedSRF(fcinfo, 0);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ClarkyPrepareLogStatements();
	ClarkyPrepareActivityStatements();
	ClarkyPrepareLinkStatements();
	ClarkyPrepareTimelineStatements();
	ClarkyPrepareCountStatements();
	ClarkyPrepareWorkspaceStatements();
	SPI_finish();

	for (int i = 0; i < num_kept; i++)
	{
		CachedPlanSource *source = linitial(SPI_plan_get_plan_sources(kept[i].plan));
		Datum		names[NUM_DISTRIBUTED_TABLES];
		int			n = 0;
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		for (int t = 0; t < NUM_DISTRIBUTED_TABLES; t++)
			if (kept[i].tables & (1 << t))
				names[n++] = CStringGetTextDatum(DistributedTables[t]);
		values[0] = CStringGetTextDatum(source->query_string);
		values[1] = ClarkyTextArray(names, n);
		values[2] = BoolGetDatum(kept[i].writes);
		values[3] = CStringGetTextDatum(kept[i].custom ? "custom" : "generic");
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
