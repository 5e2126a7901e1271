/*-------------------------------------------------------------------------
 *
 * workspace.c
 *	  The workspace a call acts in.
 *
 * Every activity belongs to one workspace.  A call's workspace is the
 * setting clarky.workspace_id as the transaction sees it (the HTTP layer
 * sets it transaction-locally per request), or the fixed default workspace
 * where the setting is unset or empty, as in a single-tenant database.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "clarky_activity.h"

/* The current call's workspace, validated, in CurrentMemoryContext */
text *
ClarkyCurrentWorkspace(void)
{
	const char *value = GetConfigOption(CLARKY_WORKSPACE_SETTING, true, false);

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
