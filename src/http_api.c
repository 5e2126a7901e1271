/*-------------------------------------------------------------------------
 *
 * http_api.c
 *	  The HTTP face of the extension: the functions of schema clarky_api,
 *	  which PostgREST exposes.
 *
 * They run the same validation and rendering as the SQL API, but speak
 * HTTP: instead of raising errors they return Clarky's envelope
 * {"error": {"code", "message", "details"}} and set the response status
 * through the transaction-local setting response.status, which PostgREST
 * reads after the call.  (An error raised through PostgREST can only have
 * PostgREST's own body shape; see docs/http.md.)
 *
 * Since a returned envelope commits the request's transaction, each call's
 * work runs in an internal subtransaction that is rolled back on error: no
 * write survives a failed request.
 *
 * Who the caller is comes from the pre-request function
 * clarky_api.pre_request(), which binds, transaction-locally,
 * clarky.workspace_id, clarky.scope ('read' or 'write') and, when the
 * caller could not be identified, clarky.auth_error (the reason).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <limits.h>

#include "access/xact.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "clarky_activity.h"

#define SETTING_SCOPE "clarky.scope"
#define SETTING_AUTH_ERROR "clarky.auth_error"

/* What a call needs the caller's key to allow */
typedef enum ApiScope
{
	SCOPE_READ,
	SCOPE_WRITE
} ApiScope;

/* Set a transaction-local setting, as set_config(name, value, true) does */
static void
SetLocal(const char *name, const char *value)
{
	(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_LOCAL, true, 0, false);
}

/* A setting's value, or NULL where it is unset or empty */
static const char *
Setting(const char *name)
{
	const char *value = GetConfigOption(name, true, false);

	return (value != NULL && value[0] != '\0') ? value : NULL;
}

/*
 * The error envelope, with the response status set.  details holds field
 * and reason, each where given; it is null when neither is.
 */
static text *
Envelope(int status, const char *code, const char *message,
		 const char *field, const char *reason)
{
	StringInfoData buf;
	char		status_text[12];

	snprintf(status_text, sizeof(status_text), "%d", status);
	SetLocal("response.status", status_text);
	if (status == 401)
		SetLocal("response.headers", "[{\"WWW-Authenticate\": \"Bearer\"}]");

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoString(&buf, "{\"error\": {\"code\": ");
	ClarkyAppendJsonString(&buf, code, strlen(code));
	appendStringInfoString(&buf, ", \"message\": ");
	ClarkyAppendJsonString(&buf, message, strlen(message));
	appendStringInfoString(&buf, ", \"details\": ");
	if (field == NULL && reason == NULL)
		appendStringInfoString(&buf, "null");
	else
	{
		appendStringInfoChar(&buf, '{');
		if (field != NULL)
		{
			appendStringInfoString(&buf, "\"field\": ");
			ClarkyAppendJsonString(&buf, field, strlen(field));
		}
		if (reason != NULL)
		{
			appendStringInfoString(&buf, field != NULL ? ", \"reason\": " : "\"reason\": ");
			ClarkyAppendJsonString(&buf, reason, strlen(reason));
		}
		appendStringInfoChar(&buf, '}');
	}
	appendStringInfoString(&buf, "}}");
	SET_VARSIZE(buf.data, buf.len);
	return (text *) buf.data;
}

/*
 * Check that the pre-request identified the caller and that its key allows
 * what the call needs.  Returns NULL if so, else the envelope to answer.
 */
static text *
CheckCaller(ApiScope needed)
{
	const char *auth_error = Setting(SETTING_AUTH_ERROR);
	const char *scope = Setting(SETTING_SCOPE);

	if (auth_error != NULL)
		return Envelope(401, "unauthorized", auth_error, NULL, NULL);
	if (scope == NULL ||
		(strcmp(scope, "read") != 0 && strcmp(scope, "write") != 0))
		return Envelope(401, "unauthorized", "missing API key", NULL, NULL);
	if (needed == SCOPE_WRITE && strcmp(scope, "write") != 0)
		return Envelope(403, "forbidden",
						"this API key has the read scope only; writing needs the write scope",
						NULL, NULL);
	return NULL;
}

/*
 * The envelope for an error raised by the work of a call, or NULL if the
 * error is not the caller's fault and must propagate.
 *
 * Data and integrity errors that name a field (PG_DIAG_COLUMN_NAME) are
 * validation errors; other data errors are malformed requests.
 */
static text *
ErrorEnvelope(ErrorData *edata)
{
	int			category = ERRCODE_TO_CATEGORY(edata->sqlerrcode);
	bool		data_error = (category == ERRCODE_DATA_EXCEPTION);

	if (edata->sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE)
		return Envelope(403, "forbidden", edata->message, NULL, NULL);
	if (edata->sqlerrcode == ERRCODE_UNIQUE_VIOLATION)
		return Envelope(409, "conflict", edata->message, NULL, NULL);
	if (edata->column_name != NULL &&
		(data_error || category == ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION ||
		 edata->sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED))
		return Envelope(422, "validation_error", edata->message,
						edata->column_name, edata->detail);
	if (data_error)
		return Envelope(400, "bad_request", edata->message, NULL, edata->detail);
	return NULL;
}

/* The work of one call, run by RunCall */
typedef text *(*ApiWork) (void *arg);

/*
 * Run work(arg) in an internal subtransaction.  On success return its
 * result, with the response status set to success_status; on an error that
 * ErrorEnvelope maps, roll the subtransaction back (so nothing it wrote
 * survives) and return the envelope; re-raise any other error.
 */
static text *
RunCall(ApiWork work, void *arg, const char *success_status)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	text	   *result = NULL;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);

	PG_TRY();
	{
		result = work(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		SetLocal("response.status", success_status);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;

		result = ErrorEnvelope(edata);
		if (result == NULL)
			ReThrowError(edata);
	}
	PG_END_TRY();

	return result;
}

/* A query parameter that must be an integer; dflt where absent */
static int32
IntegerParameter(text *value, const char *name, int32 dflt)
{
	char	   *str;
	char	   *end;
	long		n;

	if (value == NULL)
		return dflt;
	str = text_to_cstring(value);
	errno = 0;
	n = strtol(str, &end, 10);
	if (str[0] == '\0' || *end != '\0' || errno != 0 ||
		!(str[0] == '-' || (str[0] >= '0' && str[0] <= '9')) ||
		n < INT_MIN || n > INT_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("parameter \"%s\" must be an integer", name),
				 errdetail("Got \"%s\".",
						   pnstrdup(str, pg_mbcliplen(str, strlen(str), 100))),
				 ClarkyErrorField(name)));
	return (int32) n;
}

/* The arguments of a timeline call, as PostgREST passes them */
typedef struct TimelineArgs
{
	ClarkyOwner owner;
	text	   *owner_id;
	text	   *activity_type;
	text	   *page;
	text	   *page_size;
} TimelineArgs;

static text *
TimelineWork(void *arg)
{
	TimelineArgs *args = (TimelineArgs *) arg;
	const char *owner_field = args->owner == CLARKY_OWNER_CONTACT ?
		"contact_id" : "company_id";
	const char *type_label = NULL;

	if (args->owner_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("parameter \"%s\" is required", owner_field),
				 ClarkyErrorField(owner_field)));
	if (args->activity_type != NULL)
	{
		int			index = ActivityTypeIndex(VARDATA_ANY(args->activity_type),
													VARSIZE_ANY_EXHDR(args->activity_type));

		if (index < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("parameter \"activity_type\" must be one of %s",
							CLARKY_ACTIVITY_TYPE_LIST),
					 ClarkyErrorField("activity_type")));
		type_label = ClarkyActivityTypes[index];
	}

	return ClarkyTimeline(args->owner, args->owner_id, type_label,
						  IntegerParameter(args->page, "page", 1),
						  IntegerParameter(args->page_size, "page_size",
										   CLARKY_DEFAULT_PAGE_SIZE));
}

/* The shared body of both HTTP timelines */
static Datum
TimelineHttp(FunctionCallInfo fcinfo, ClarkyOwner owner)
{
	TimelineArgs args;
	text	   *refusal = CheckCaller(SCOPE_READ);

	if (refusal != NULL)
		PG_RETURN_TEXT_P(refusal);

	args.owner = owner;
	args.owner_id = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	args.activity_type = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	args.page = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	args.page_size = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	PG_RETURN_TEXT_P(RunCall(TimelineWork, &args, "200"));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_contact_activities);

/* clarky_api.contact_activities(contact_id, activity_type, page, page_size) */
Datum
clarky_api_contact_activities(PG_FUNCTION_ARGS)
{
	return TimelineHttp(fcinfo, CLARKY_OWNER_CONTACT);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_company_activities);

/* clarky_api.company_activities(company_id, activity_type, page, page_size) */
Datum
clarky_api_company_activities(PG_FUNCTION_ARGS)
{
	return TimelineHttp(fcinfo, CLARKY_OWNER_COMPANY);
}

static text *
LogWork(void *arg)
{
	return ClarkyLogActivity((Jsonb *) arg);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_log_activity);

/* clarky_api.log_activity(body): 201 and {"data": {...}}, or an envelope */
Datum
clarky_api_log_activity(PG_FUNCTION_ARGS)
{
	text	   *refusal = CheckCaller(SCOPE_WRITE);

	if (refusal != NULL)
		PG_RETURN_TEXT_P(refusal);
	if (PG_ARGISNULL(0))
		PG_RETURN_TEXT_P(Envelope(400, "bad_request",
								  "request body must be a JSON object", NULL, NULL));

	PG_RETURN_TEXT_P(RunCall(LogWork, PG_GETARG_JSONB_P(0), "201"));
}
