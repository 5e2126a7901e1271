/*-------------------------------------------------------------------------
 *
 * clarky_activity.c
 *	  Module magic and the facts every part of the extension shares.
 *
 * Where things live:
 *	  activity_fields.h	the one description of an activity's fields
 *	  validate.c		the rules of an activity, without server headers
 *	  activity_id.c		clarky.new_activity_id(): monotonic ULID ids
 *	  workspace.c		the workspace of the current call, who may bind it
 *	  payload.c			a payload or merge patch, from jsonb to validate.c
 *	  log_activity.c	clarky.log_activity(): validate, insert, render
 *	  activity.c		one activity by id: get, update (merge patch),
 *						complete, reopen, delete, restore
 *	  links.c			an activity's contacts and companies (the primary
 *						ones and the others), the links that put it on
 *						their timelines, and the contacts of companies
 *	  timeline.c		clarky.contact_activities() and company_activities()
 *	  plans.c			how statements are prepared, and planned for Citus
 *	  render.c			an activity row as the seed's JSON object
 *	  activity_counts.c	the trigger keeping the timelines' totals
 *	  http_api.c		the clarky_api functions that PostgREST serves
 *	  api_key.c			new API key secrets
 *	  iso8601.c, ulid.c	server-independent parsing and encoding
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "clarky_activity.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "clarky_activity",.version = CLARKY_VERSION);
#else
PG_MODULE_MAGIC;
#endif

/* The enum value (pg_enum OID) of each activity type, where seen yet */
static Oid	activity_type_oids[CLARKY_ACTIVITY_TYPE_COUNT];

/* Forget the OIDs when pg_enum changes (say, the extension is recreated) */
static void
ForgetActivityTypeOids(Datum arg, int cacheid, uint32 hashvalue)
{
	memset(activity_type_oids, 0, sizeof(activity_type_oids));
}

/*
 * The index in ClarkyActivityTypes of a clarky.activity_type value, or -1
 * for a label this code does not know; without a catalog lookup once each
 * type has been seen.
 */
int
ClarkyActivityTypeIndex(Oid value)
{
	const char *label;
	int			index;

	for (int i = 0; i < CLARKY_ACTIVITY_TYPE_COUNT; i++)
	{
		if (activity_type_oids[i] == value)
			return i;
	}

	label = DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(value)));
	index = ActivityTypeIndex(label, strlen(label));
	if (index >= 0)
		activity_type_oids[index] = value;
	return index;
}

/* The label of a clarky.activity_type value */
const char *
ClarkyActivityTypeLabel(Oid value)
{
	int			index = ClarkyActivityTypeIndex(value);

	if (index < 0)
		return DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(value)));
	return ClarkyActivityTypes[index];
}

/*
 * The select list of every statement that reads activities: each field's
 * column, in the order of activity_fields.h; built once
 */
const char *
ClarkySelectList(void)
{
	static char *list;

	if (list == NULL)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		ClarkyAppendSelectList(&buf, "");
		list = MemoryContextStrdup(TopMemoryContext, buf.data);
		pfree(buf.data);
	}
	return list;
}

/* Append the fields' columns, each after prefix (a table's alias and ".") */
void
ClarkyAppendSelectList(StringInfo sql, const char *prefix)
{
	for (int f = 0; f < FIELD_COUNT; f++)
		appendStringInfo(sql, "%s%s%s", f ? ", " : "", prefix, ClarkyFields[f].column);
}

/* The type of a field's value as a statement's parameter */
Oid
ClarkyFieldParamType(int field)
{
	switch (ClarkyFields[field].kind)
	{
		case FIELD_KIND_ID:
		case FIELD_KIND_TEXT:
		case FIELD_KIND_TYPE:	/* its label, cast by ClarkyAppendParam */
			return TEXTOID;
		case FIELD_KIND_TIMESTAMP:
			return TIMESTAMPTZOID;
		case FIELD_KIND_DURATION:
			return NUMERICOID;
		case FIELD_KIND_METADATA:
			return JSONBOID;
		case FIELD_KIND_VERSION:
			return INT4OID;
		case FIELD_KIND_ID_LIST:
			return TEXTARRAYOID;
	}
	pg_unreachable();
}

/* Append parameter $paramno as the value of field to sql */
void
ClarkyAppendParam(StringInfo sql, int field, int paramno)
{
	appendStringInfo(sql, "$%d", paramno);
	if (ClarkyFields[field].kind == FIELD_KIND_TYPE)
		appendStringInfoString(sql, "::" CLARKY_SCHEMA ".activity_type");
}

/* Whether two text datums hold the same string */
bool
ClarkyTextEqual(Datum a, Datum b)
{
	text	   *ta = DatumGetTextPP(a);
	text	   *tb = DatumGetTextPP(b);

	return VARSIZE_ANY_EXHDR(ta) == VARSIZE_ANY_EXHDR(tb) &&
		memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(ta)) == 0;
}

/* A text[] datum of the texts texts[0..n) */
Datum
ClarkyTextArray(Datum *texts, int n)
{
	return PointerGetDatum(construct_array(texts, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/* Refuse a NULL argument of a SQL function, naming the parameter */
void
ClarkyRequireArgument(FunctionCallInfo fcinfo, int argno, const char *name)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("parameter \"%s\" must not be null", name),
				 ClarkyErrorField(name)));
}

/*
 * Whether the installed SQL objects are this library's version, as last
 * seen (-1: look again), and the table that tells
 */
static int	sql_is_current = -1;
static Oid	activities_relid = InvalidOid;

static void
ForgetSqlIsCurrent(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == activities_relid)
		sql_is_current = -1;
}

/* The OID of clarky.activities, looked up now */
Oid
ClarkyActivitiesRelid(void)
{
	Oid			relid = get_relname_relid("activities",
										  get_namespace_oid(CLARKY_SCHEMA, false));

	if (!OidIsValid(relid))
		elog(ERROR, "table " CLARKY_SCHEMA ".activities not found");
	return relid;
}

/* The extversion of clarky_activity in this database, or "unknown" */
static char *
InstalledVersion(void)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	char	   *version = "unknown";

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("clarky_activity"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		bool		isnull;
		Datum		value = heap_getattr(tuple, Anum_pg_extension_extversion,
										 RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = text_to_cstring(DatumGetTextPP(value));
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

/*
 * Refuse to work on SQL objects older than this library: a server whose
 * library was upgraded before ALTER EXTENSION ... UPDATE ran.  The columns
 * of clarky.activities tell (each version's statements need its columns).
 */
void
ClarkyRequireCurrentSql(void)
{
	bool		current = true;

	if (sql_is_current < 0)
	{
		activities_relid = ClarkyActivitiesRelid();
		for (int f = 0; f < FIELD_COUNT && current; f++)
			current = get_attnum(activities_relid, ClarkyFields[f].column) != InvalidAttrNumber;
		sql_is_current = current;
	}
	if (!sql_is_current)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("clarky_activity's SQL objects are older than its library"),
				 errdetail("The library is version %s; this database has the SQL of version %s.",
						   CLARKY_VERSION, InstalledVersion()),
				 errhint("Run ALTER EXTENSION clarky_activity UPDATE.")));
}

void		_PG_init(void);

/* Module load: register the cache invalidations */
void
_PG_init(void)
{
	CacheRegisterSyscacheCallback(ENUMOID, ForgetActivityTypeOids, (Datum) 0);
	CacheRegisterRelcacheCallback(ForgetSqlIsCurrent, (Datum) 0);
	ClarkyPlansInit();
	ClarkyTimelineInit();
	ClarkyWorkspaceInit();
}
