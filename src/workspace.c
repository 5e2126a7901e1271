/*-------------------------------------------------------------------------
 *
 * workspace.c
 *	  The workspace a call acts in, and who may choose it.
 *
 * Every activity belongs to one workspace.  A call's workspace is the
 * setting clarky.workspace_id as the transaction sees it, checked against
 * clarky.allowed_workspaces, or the fixed default workspace where nothing
 * is bound, as in a single-tenant database.
 *
 * Since 1.2.0 this module defines both settings, as PGC_SUSET: only
 * superusers and the roles granted SET on a parameter (GRANT SET ON
 * PARAMETER, PostgreSQL 15) may SET, set_config() or ALTER ROLE ... SET
 * them, and PostgreSQL itself enforces that for every way a setting can
 * be given.  A value a session gave before the library was loaded (a
 * placeholder: SET, set_config(), PGOPTIONS) is applied again with the
 * privileges of the role that gave it when the setting is defined, so an
 * unprivileged one is dropped with a warning.  Thus:
 *
 *	- a trusted role holds SET on clarky.workspace_id and binds any
 *	  workspace, as an application backend serving many does;
 *	- a confined role has clarky.allowed_workspaces set for it by an
 *	  administrator (ALTER ROLE ... SET), which it cannot change: it acts
 *	  in its only workspace, or in the one of them it binds with
 *	  clarky.use_workspace(), and a workspace bound outside them by any
 *	  means is refused here, where the workspace is resolved, so the rule
 *	  holds for the C code's own filters with or without row-level
 *	  security;
 *	- any other role acts in the default workspace only;
 *	- the HTTP path binds the workspace of an API key it was shown
 *	  (clarky.use_api_key()), or of a token when the connection's login
 *	  role (PostgREST's authenticator) is trusted.
 *
 * The settings are defined once the database has the 1.2.0 SQL objects
 * (clarky.use_workspace() tells).  Under older SQL, whose pre-request
 * function sets clarky.workspace_id as the anonymous role, they stay the
 * plain placeholders 1.1.0 had, with 1.1.0's rule, until ALTER EXTENSION
 * ... UPDATE: a session sees the update at its next call and defines
 * them then.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_db_role_setting.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "clarky_activity.h"
#include "validate.h"

/* The settings' values, once this module defines them */
static bool settings_defined = false;
static char *workspace_setting = NULL;
static char *allowed_setting = NULL;

/* clarky.allowed_workspaces, parsed by its check hook */
typedef struct AllowedWorkspaces
{
	int			count;
	const char *ids[FLEXIBLE_ARRAY_MEMBER]; /* into the same allocation */
} AllowedWorkspaces;

static const AllowedWorkspaces *allowed = NULL;

/* Whether this database has the 1.2.0 SQL objects (-1: look again) */
static int	sql_has_settings = -1;

#define USE_WORKSPACE_FUNCTION "use_workspace"

static void
ForgetSqlHasSettings(Datum arg, int cacheid, uint32 hashvalue)
{
	sql_has_settings = -1;
}

/*
 * Check hook of clarky.allowed_workspaces: the list parsed by validate.c,
 * as the setting's "extra"
 */
static bool
CheckAllowedWorkspaces(char **newval, void **extra, GucSource source)
{
	size_t		len = strlen(*newval);
	int			max = WORKSPACE_LIST_MAX(*newval, len);
	AllowedWorkspaces *list;
	char	   *copy;
	ValidationError error;

	/* the GUC machinery frees an extra with free() */
	list = malloc(offsetof(AllowedWorkspaces, ids) + max * sizeof(char *) + len + 1);
	if (list == NULL)
	{
		GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
		return false;
	}
	copy = (char *) &list->ids[max];
	memcpy(copy, *newval, len + 1);
	if (!ValidateWorkspaceList(copy, len, list->ids, &list->count,
							   &ClarkyDatabaseEncoding, &error))
	{
		GUC_check_errmsg("%s", error.message);
		if (error.detail[0])
			GUC_check_errdetail("%s", error.detail);
		free(list);
		return false;
	}
	*extra = list;
	return true;
}

static void
AssignAllowedWorkspaces(const char *newval, void *extra)
{
	allowed = extra;
}

/*
 * Give the settings the values an administrator set for this login role
 * and database (ALTER ROLE ... [IN DATABASE ...] SET, ALTER DATABASE ...
 * SET), with the sources login gave them, most specific first as login
 * applies them.  Needed because a placeholder holds one value per source
 * level: a value the client gave at connection (PGOPTIONS) replaced the
 * role's in the placeholder, and once it is dropped for want of privilege
 * the role's is gone too.  Applying them again changes nothing where they
 * survived, or where the session set a value of its own with privilege.
 */
static void
ApplyRoleSettings(void)
{
	static const GucSource sources[] = {
		PGC_S_DATABASE_USER, PGC_S_USER, PGC_S_DATABASE, PGC_S_GLOBAL
	};
	Relation	rel = table_open(DbRoleSettingRelationId, AccessShareLock);
	Snapshot	snapshot = RegisterSnapshot(GetCatalogSnapshot(DbRoleSettingRelationId));

	for (size_t i = 0; i < lengthof(sources); i++)
	{
		Oid			database = (sources[i] == PGC_S_DATABASE_USER ||
								sources[i] == PGC_S_DATABASE) ? MyDatabaseId : InvalidOid;
		Oid			role = (sources[i] == PGC_S_DATABASE_USER ||
							sources[i] == PGC_S_USER) ? GetSessionUserId() : InvalidOid;
		ScanKeyData keys[2];
		SysScanDesc scan;
		HeapTuple	tuple;

		ScanKeyInit(&keys[0], Anum_pg_db_role_setting_setdatabase,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(database));
		ScanKeyInit(&keys[1], Anum_pg_db_role_setting_setrole,
					BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(role));
		scan = systable_beginscan(rel, DbRoleSettingDatidRolidIndexId, true,
								  snapshot, 2, keys);
		while (HeapTupleIsValid(tuple = systable_getnext(scan)))
		{
			bool		isnull;
			Datum		config = heap_getattr(tuple, Anum_pg_db_role_setting_setconfig,
											  RelationGetDescr(rel), &isnull);
			Datum	   *items;
			int			count;

			if (isnull)
				continue;
			deconstruct_array(DatumGetArrayTypeP(config), TEXTOID, -1, false,
							  TYPALIGN_INT, &items, NULL, &count);
			for (int j = 0; j < count; j++)
			{
				char	   *item = TextDatumGetCString(items[j]);
				char	   *name;
				char	   *value;

				ParseLongOption(item, &name, &value);
				if (value != NULL &&
					(strcmp(name, CLARKY_WORKSPACE_SETTING) == 0 ||
					 strcmp(name, CLARKY_ALLOWED_SETTING) == 0))
					(void) set_config_option(name, value, PGC_SUSET, sources[i],
											 GUC_ACTION_SET, true, WARNING, false);
			}
		}
		systable_endscan(scan);
	}
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
}

/* Define the settings, once the database has the SQL objects of 1.2.0 */
static void
DefineSettings(void)
{
	Oid			schema;
	Oid			argtypes[2] = {TEXTOID, BOOLOID};

	if (settings_defined)
		return;
	if (sql_has_settings < 0)
	{
		if (!IsTransactionState())
			return;
		schema = get_namespace_oid(CLARKY_SCHEMA, true);
		sql_has_settings = OidIsValid(schema) &&
			SearchSysCacheExists3(PROCNAMEARGSNSP,
								  CStringGetDatum(USE_WORKSPACE_FUNCTION),
								  PointerGetDatum(buildoidvector(argtypes, 2)),
								  ObjectIdGetDatum(schema));
	}
	if (!sql_has_settings)
		return;

	DefineCustomStringVariable(CLARKY_WORKSPACE_SETTING,
							   "The workspace this session's calls act in.",
							   "Set by superusers and the roles granted SET on it; "
							   "others bind a workspace with clarky.use_workspace().",
							   &workspace_setting, "", PGC_SUSET,
							   GUC_NO_RESET_ALL, NULL, NULL, NULL);
	DefineCustomStringVariable(CLARKY_ALLOWED_SETTING,
							   "The workspaces this session is confined to, separated by commas.",
							   "Empty: not confined.  Set for a role by an administrator "
							   "(ALTER ROLE ... SET).",
							   &allowed_setting, "", PGC_SUSET,
							   GUC_NO_RESET_ALL, CheckAllowedWorkspaces,
							   AssignAllowedWorkspaces, NULL);
	settings_defined = true;
	ApplyRoleSettings();
}

/* The settings, for the functions of 1.2.0, which exist only with them */
static void
RequireSettings(void)
{
	DefineSettings();
	if (!settings_defined)
		elog(ERROR, "the workspace settings are not defined");
}

/* Module load: define the settings now if this database has their SQL */
void
ClarkyWorkspaceInit(void)
{
	CacheRegisterSyscacheCallback(PROCOID, ForgetSqlHasSettings, (Datum) 0);
	if (IsTransactionState() && OidIsValid(MyDatabaseId))
		DefineSettings();
}

/* Whether this session is confined; whether id is one of its workspaces */
static bool
Confined(void)
{
	return settings_defined && allowed != NULL && allowed->count > 0;
}

static bool
AllowedWorkspace(const char *id)
{
	for (int i = 0; i < allowed->count; i++)
	{
		if (strcmp(allowed->ids[i], id) == 0)
			return true;
	}
	return false;
}

/* Whether role may set clarky.workspace_id itself */
static bool
Trusted(Oid role)
{
	return superuser_arg(role) ||
		pg_parameter_aclcheck(CLARKY_WORKSPACE_SETTING, role, ACL_SET) == ACLCHECK_OK;
}

/*
 * Whether the caller may bind workspace id: one of its workspaces when
 * confined; otherwise any, when the current or the login role is trusted.
 * Clearing the binding ("") is always allowed.
 */
static bool
MayUseWorkspace(const char *id)
{
	if (id[0] == '\0')
		return true;
	if (Confined())
		return AllowedWorkspace(id);
	return Trusted(GetUserId()) || Trusted(GetSessionUserId());
}

static void
NotAllowed(const char *id)
{
	if (Confined())
		ereport(ERROR,
				(errcode(CLARKY_ERRCODE_WORKSPACE_NOT_ALLOWED),
				 errmsg("workspace \"%s\" is not one of this session's workspaces", id),
				 errdetail("Setting \"%s\" confines the session to: %s.",
						   CLARKY_ALLOWED_SETTING, allowed_setting)));
	ereport(ERROR,
			(errcode(CLARKY_ERRCODE_WORKSPACE_NOT_ALLOWED),
			 errmsg("role \"%s\" may not choose a workspace",
					GetUserNameFromId(GetUserId(), false)),
			 errdetail("Setting \"%s\" is bound by superusers and the roles granted SET on it.",
					   CLARKY_WORKSPACE_SETTING),
			 errhint("An administrator can trust the role (GRANT SET ON PARAMETER %s TO ...) "
					 "or confine it (ALTER ROLE ... SET %s = '...').",
					 CLARKY_WORKSPACE_SETTING, CLARKY_ALLOWED_SETTING)));
}

/* Bind workspace id, for the session or the transaction */
static void
BindWorkspace(const char *id, bool is_local)
{
	(void) set_config_option(CLARKY_WORKSPACE_SETTING, id, PGC_SUSET,
							 PGC_S_SESSION,
							 is_local ? GUC_ACTION_LOCAL : GUC_ACTION_SET,
							 true, 0, false);
}

/* The current call's workspace, validated, in CurrentMemoryContext */
text *
ClarkyCurrentWorkspace(void)
{
	const char *value;

	if (!settings_defined)
		DefineSettings();
	value = settings_defined ? workspace_setting :
		GetConfigOption(CLARKY_WORKSPACE_SETTING, true, false);

	if (Confined())
	{
		if (value[0] == '\0')
		{
			if (allowed->count > 1)
				ereport(ERROR,
						(errcode(CLARKY_ERRCODE_WORKSPACE_NOT_ALLOWED),
						 errmsg("no workspace is bound"),
						 errdetail("Setting \"%s\" gives this session %d workspaces: %s.",
								   CLARKY_ALLOWED_SETTING, allowed->count,
								   allowed_setting),
						 errhint("Bind one with clarky.use_workspace().")));
			return cstring_to_text(allowed->ids[0]);
		}
		if (!AllowedWorkspace(value))
			NotAllowed(value);
		return cstring_to_text(value);
	}

	if (value == NULL || value[0] == '\0')
		return cstring_to_text(CLARKY_DEFAULT_WORKSPACE);
	if (pg_mbstrlen(value) > CLARKY_MAX_ID_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("setting \"%s\" is too long", CLARKY_WORKSPACE_SETTING),
				 errdetail("A workspace id has at most %d characters.",
						   CLARKY_MAX_ID_CHARS)));
	return cstring_to_text(value);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_current_workspace);

/* clarky.current_workspace(): the workspace this call acts in */
Datum
clarky_current_workspace(PG_FUNCTION_ARGS)
{
	PG_RETURN_TEXT_P(ClarkyCurrentWorkspace());
}

/* The workspace id argument argno, checked; "" clears the binding */
static char *
WorkspaceArgument(FunctionCallInfo fcinfo, int argno)
{
	char	   *id;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("parameter \"workspace_id\" must not be null"),
				 ClarkyErrorField("workspace_id")));
	id = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (pg_mbstrlen(id) > CLARKY_MAX_ID_CHARS)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("parameter \"workspace_id\" is too long"),
				 errdetail("A workspace id has at most %d characters.",
						   CLARKY_MAX_ID_CHARS),
				 ClarkyErrorField("workspace_id")));
	return id;
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_use_workspace);

/*
 * clarky.use_workspace(workspace_id, is_local): bind a workspace the caller
 * may use; the workspace the calls now act in
 */
Datum
clarky_use_workspace(PG_FUNCTION_ARGS)
{
	char	   *id = WorkspaceArgument(fcinfo, 0);
	bool		is_local = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);

	RequireSettings();
	if (!MayUseWorkspace(id))
		NotAllowed(id);
	BindWorkspace(id, is_local);
	PG_RETURN_TEXT_P(ClarkyCurrentWorkspace());
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_may_use_workspace);

/* clarky.may_use_workspace(workspace_id): whether use_workspace would bind it */
Datum
clarky_may_use_workspace(PG_FUNCTION_ARGS)
{
	char	   *id = WorkspaceArgument(fcinfo, 0);

	RequireSettings();
	PG_RETURN_BOOL(MayUseWorkspace(id));
}

/* The lookup of an API key's workspace and scope, prepared once per backend */
static SPIPlanPtr
KeyPlan(void)
{
	static SPIPlanPtr plan = NULL;
	Oid			argtypes[1] = {TEXTOID};

	if (plan == NULL)
		plan = ClarkyKeepPlan("SELECT workspace_id, scope FROM "
							  CLARKY_SCHEMA ".resolve_api_key($1)",
							  1, argtypes);
	return plan;
}

void
ClarkyPrepareWorkspaceStatements(void)
{
	(void) KeyPlan();
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_use_api_key);

/*
 * clarky.use_api_key(api_key): bind, for the transaction, the workspace of
 * an active API key (clarky.resolve_api_key(), with the caller's
 * privileges), and return its scope; NULL for a key that is unknown or
 * revoked.  Holding the key is the right to its workspace, except in a
 * confined session.
 */
Datum
clarky_use_api_key(PG_FUNCTION_ARGS)
{
	MemoryContext caller = CurrentMemoryContext;
	Datum		key;
	char	   *workspace = NULL;
	char	   *scope = NULL;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	key = PG_GETARG_DATUM(0);
	RequireSettings();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(KeyPlan(), &key, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "API key lookup failed");
	if (SPI_processed == 1)
	{
		HeapTuple	tuple = SPI_tuptable->vals[0];
		TupleDesc	tupdesc = SPI_tuptable->tupdesc;

		workspace = SPI_getvalue(tuple, tupdesc, 1);
		scope = SPI_getvalue(tuple, tupdesc, 2);
		workspace = workspace ? MemoryContextStrdup(caller, workspace) : NULL;
		scope = scope ? MemoryContextStrdup(caller, scope) : NULL;
	}
	SPI_finish();

	if (workspace == NULL || scope == NULL)
		PG_RETURN_NULL();
	if (Confined() && !AllowedWorkspace(workspace))
		NotAllowed(workspace);
	BindWorkspace(workspace, true);
	PG_RETURN_TEXT_P(cstring_to_text(scope));
}
