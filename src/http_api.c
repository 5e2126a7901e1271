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
 * PostgREST's own body shape; see README.md, "The HTTP API".)
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
 * The error envelope, with the response status set; details is the JSON
 * text of the details member, or NULL for null.
 */
static text *
EnvelopeWithDetails(int status, const char *code, const char *message,
					const char *details)
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
	appendStringInfoString(&buf, details != NULL ? details : "null");
	appendStringInfoString(&buf, "}}");
	SET_VARSIZE(buf.data, buf.len);
	return (text *) buf.data;
}

/*
 * The error envelope, with the response status set.  details holds field
 * and reason, each where given; it is null when neither is.
 */
static text *
Envelope(int status, const char *code, const char *message,
		 const char *field, const char *reason)
{
	StringInfoData details;

	if (field == NULL && reason == NULL)
		return EnvelopeWithDetails(status, code, message, NULL);

	initStringInfo(&details);
	appendStringInfoChar(&details, '{');
	if (field != NULL)
	{
		appendStringInfoString(&details, "\"field\": ");
		ClarkyAppendJsonString(&details, field, strlen(field));
	}
	if (reason != NULL)
	{
		appendStringInfoString(&details, field != NULL ? ", \"reason\": " : "\"reason\": ");
		ClarkyAppendJsonString(&details, reason, strlen(reason));
	}
	appendStringInfoChar(&details, '}');
	return EnvelopeWithDetails(status, code, message, details.data);
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
 * The 409 envelope of a stale version: details {"current_version": N},
 * from the error's detail "The current version is N."
 */
static text *
ConflictEnvelope(ErrorData *edata)
{
	int			current;
	char		end;
	char		details[64];

	if (edata->detail != NULL &&
		sscanf(edata->detail, "The current version is %d%c", &current, &end) == 2 &&
		end == '.')
	{
		snprintf(details, sizeof(details), "{\"current_version\": %d}", current);
		return EnvelopeWithDetails(409, "conflict", edata->message, details);
	}
	return Envelope(409, "conflict", edata->message, NULL, edata->detail);
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

	/*
	 * An activity that is not there for the caller (unknown, another
	 * workspace's, deleted): one answer for all of them
	 */
	if (edata->sqlerrcode == ERRCODE_NO_DATA_FOUND)
		return Envelope(404, "not_found", edata->message, NULL, NULL);
	if (edata->sqlerrcode == CLARKY_ERRCODE_VERSION_CONFLICT)
		return ConflictEnvelope(edata);
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
 * survives) and return the envelope; re-raise any other error.  Where
 * succeeded is not NULL, it tells which of the two happened.
 */
static text *
RunCall(ApiWork work, void *arg, const char *success_status, bool *succeeded)
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
		if (succeeded != NULL)
			*succeeded = true;
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
		if (succeeded != NULL)
			*succeeded = false;
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
	ClarkyTimelineKind kind;
	text	   *owner_id;
	text	   *activity_type;
	text	   *page;
	text	   *page_size;
	text	   *scope;			/* a company's, or NULL */
} TimelineArgs;

static text *
TimelineWork(void *arg)
{
	TimelineArgs *args = (TimelineArgs *) arg;
	const char *owner_field = "company_id";
	const char *type_label = NULL;
	ClarkyTimelineKind kind = args->kind;

	if (kind == TIMELINE_CONTACT)
		owner_field = "contact_id";
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

	if (kind != TIMELINE_CONTACT)
		kind = ClarkyCompanyScope(args->scope);
	return ClarkyTimeline(kind, args->owner_id, type_label,
						  IntegerParameter(args->page, "page", 1),
						  IntegerParameter(args->page_size, "page_size",
										   CLARKY_DEFAULT_PAGE_SIZE));
}

/* The shared body of both HTTP timelines */
static Datum
TimelineHttp(FunctionCallInfo fcinfo, ClarkyTimelineKind kind)
{
	TimelineArgs args;
	text	   *refusal = CheckCaller(SCOPE_READ);

	if (refusal != NULL)
		PG_RETURN_TEXT_P(refusal);

	args.kind = kind;
	args.owner_id = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	args.activity_type = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	args.page = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	args.page_size = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	/* 1.2.0's company timeline has no scope */
	args.scope = (PG_NARGS() <= 4 || PG_ARGISNULL(4)) ? NULL : PG_GETARG_TEXT_PP(4);
	PG_RETURN_TEXT_P(RunCall(TimelineWork, &args, "200", NULL));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_contact_activities);

/* clarky_api.contact_activities(contact_id, activity_type, page, page_size) */
Datum
clarky_api_contact_activities(PG_FUNCTION_ARGS)
{
	return TimelineHttp(fcinfo, TIMELINE_CONTACT);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_company_activities);

/*
 * clarky_api.company_activities(company_id, activity_type, page, page_size,
 * scope)
 */
Datum
clarky_api_company_activities(PG_FUNCTION_ARGS)
{
	return TimelineHttp(fcinfo, TIMELINE_COMPANY);
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

	PG_RETURN_TEXT_P(RunCall(LogWork, PG_GETARG_JSONB_P(0), "201", NULL));
}

/*
 * ---- One activity by id ----------------------------------------------------
 *
 * GET, PATCH and DELETE /api/v1/activities/{id} and POST .../{id}/restore.
 * PostgREST calls functions with GET and POST only and has no path
 * parameters, so nginx maps each method to a function and passes the id,
 * still percent-encoded as the request line had it, in the request header
 * X-Clarky-Activity-Id (PostgREST hands every request header to the
 * function in the setting request.headers, names in lower case).  The
 * client's If-Match reaches the function the same way.  The answers carry
 * the activity's version as the ETag, "<version>".
 */

#define ACTIVITY_ID_HEADER "x-clarky-activity-id"
#define IF_MATCH_HEADER "if-match"

/* What a call does to the activity */
typedef enum ActivityCall
{
	CALL_GET,
	CALL_UPDATE,
	CALL_DELETE,
	CALL_RESTORE
} ActivityCall;

/* The arguments of one activity call, and the version it leaves */
typedef struct ActivityArgs
{
	ActivityCall call;
	Jsonb	   *patch;			/* CALL_UPDATE: the merge patch */
	int32		version;		/* the activity's version after the call */
} ActivityArgs;

/*
 * A request header (name in lower case) from the setting request.headers,
 * or NULL where it is absent.
 */
static char *
RequestHeader(const char *name)
{
	const char *headers = Setting("request.headers");
	Jsonb	   *jb;
	JsonbValue	buf;
	JsonbValue *value;

	if (headers == NULL)
		return NULL;
	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(headers)));
	if (!JB_ROOT_IS_OBJECT(jb))
		return NULL;
	value = getKeyJsonValueFromContainer(&jb->root, name, strlen(name), &buf);
	if (value == NULL || value->type != jbvString)
		return NULL;
	return pnstrdup(value->val.string.val, value->val.string.len);
}

static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode raw into a new string, its length in *len.  Returns NULL
 * where raw cannot be an id: a bad escape, a NUL, bytes that are not valid
 * in the database encoding, nothing at all, or more than
 * CLARKY_MAX_ID_CHARS characters.
 */
static char *
PercentDecodeId(const char *raw, size_t *len)
{
	size_t		rawlen = strlen(raw);
	char	   *decoded = palloc(rawlen + 1);
	size_t		n = 0;

	for (size_t i = 0; i < rawlen; i++)
	{
		if (raw[i] != '%')
			decoded[n++] = raw[i];
		else if (i + 2 < rawlen &&
				 HexValue(raw[i + 1]) >= 0 && HexValue(raw[i + 2]) >= 0)
		{
			char		c = (char) (HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2]));

			if (c == '\0')
				return NULL;
			decoded[n++] = c;
			i += 2;
		}
		else
			return NULL;
	}
	decoded[n] = '\0';

	if (n == 0 || !pg_verifymbstr(decoded, (int) n, true) ||
		pg_mbstrlen_with_len(decoded, (int) n) > CLARKY_MAX_ID_CHARS)
		return NULL;
	*len = n;
	return decoded;
}

/*
 * The id of the call's activity: the header X-Clarky-Activity-Id,
 * percent-decoded.  An id that cannot be one (see PercentDecodeId) names
 * no activity, and is answered as an unknown one.
 */
static text *
RequestActivityId(void)
{
	char	   *raw = RequestHeader(ACTIVITY_ID_HEADER);
	char	   *decoded;
	size_t		n;

	if (raw == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the activity id is missing"),
				 errdetail("Send it percent-encoded in the request header X-Clarky-Activity-Id.")));

	decoded = PercentDecodeId(raw, &n);
	if (decoded == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("activity \"%s\" not found",
						pnstrdup(raw, pg_mbcliplen(raw, strlen(raw), 300))),
				 ClarkyErrorField("id")));
	return cstring_to_text_with_len(decoded, n);
}

/* An If-Match header that is not "*" or a list of entity tags */
static void
MalformedIfMatch(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("If-Match must be * or entity tags such as \"3\", the ETag of the version to change")));
}

/* A stale or never-matching If-Match */
static void
IfMatchConflict(text *id, int32 current)
{
	ereport(ERROR,
			(errcode(CLARKY_ERRCODE_VERSION_CONFLICT),
			 errmsg("activity \"%s\" is not at the version If-Match names",
					text_to_cstring(id)),
			 errdetail("The current version is %d.", current)));
}

/*
 * The version the request's If-Match header requires of activity id:
 * NULL where there is no header or it is "*" (any current version);
 * otherwise the one version among its entity tags that is current.
 *
 * An entity tag is compared as RFC 9110 compares If-Match, strongly: only
 * "N" (N the version in decimal, as the ETag gives it) matches version N;
 * a weak tag (W/"N") or any other tag matches no version.  Where one tag
 * could match, it is the expected version, which the update or delete
 * checks under the row's lock; where several could, the current version
 * is read first and becomes the expected one if among them (still checked
 * under the lock); where none could, the answer is a conflict naming the
 * current version.
 */
static const int32 *
ExpectedVersion(text *id, int32 *expected)
{
	char	   *header = RequestHeader(IF_MATCH_HEADER);
	const char *p = header;
	int32	   *candidates;
	int			ncandidates = 0;
	int32		current;

	if (header == NULL)
		return NULL;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return NULL;
	if (*p == '*')
	{
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0')
			MalformedIfMatch();
		return NULL;
	}

	candidates = palloc(sizeof(int32) * (strlen(header) / 2 + 1));
	for (;;)
	{
		bool		weak = false;
		const char *tag;
		size_t		taglen;

		if (p[0] == 'W' && p[1] == '/')
		{
			weak = true;
			p += 2;
		}
		if (*p != '"')
			MalformedIfMatch();
		tag = ++p;
		while ((unsigned char) *p == 0x21 ||
			   ((unsigned char) *p >= 0x23 && (unsigned char) *p <= 0x7e) ||
			   (unsigned char) *p >= 0x80)
			p++;
		if (*p != '"')
			MalformedIfMatch();
		taglen = p - tag;
		p++;

		/* a strong "N", N canonical decimal from 1 to INT32_MAX */
		if (!weak && taglen >= 1 && taglen <= 10 && tag[0] >= '1' && tag[0] <= '9')
		{
			int64		n = 0;
			size_t		i;

			for (i = 0; i < taglen && tag[i] >= '0' && tag[i] <= '9'; i++)
				n = n * 10 + (tag[i] - '0');
			if (i == taglen && n <= PG_INT32_MAX)
				candidates[ncandidates++] = (int32) n;
		}

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',')
			MalformedIfMatch();
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
	}

	if (ncandidates == 1)
	{
		*expected = candidates[0];
		return expected;
	}
	(void) ClarkyGetActivity(id, &current);
	for (int i = 0; i < ncandidates; i++)
	{
		if (candidates[i] == current)
		{
			*expected = current;
			return expected;
		}
	}
	IfMatchConflict(id, current);
	return NULL;				/* not reached */
}

static text *
ActivityWork(void *arg)
{
	ActivityArgs *args = (ActivityArgs *) arg;
	text	   *id = RequestActivityId();
	int32		expected;

	switch (args->call)
	{
		case CALL_GET:
			return ClarkyGetActivity(id, &args->version);
		case CALL_UPDATE:
			return ClarkyUpdateActivity(id, args->patch,
										ExpectedVersion(id, &expected),
										&args->version);
		case CALL_DELETE:
			return ClarkyDeleteActivity(id, ExpectedVersion(id, &expected),
										&args->version);
		case CALL_RESTORE:
			return ClarkyRestoreActivity(id, &args->version);
	}
	pg_unreachable();
}

/* ETag: "<version>", the version the answer shows */
static void
SetETag(int32 version)
{
	char		headers[64];

	snprintf(headers, sizeof(headers), "[{\"ETag\": \"\\\"%d\\\"\"}]", version);
	SetLocal("response.headers", headers);
}

/* The shared body of the activity calls */
static Datum
ActivityHttp(FunctionCallInfo fcinfo, ActivityCall call)
{
	ActivityArgs args = {.call = call};
	text	   *refusal = CheckCaller(call == CALL_GET ? SCOPE_READ : SCOPE_WRITE);
	text	   *result;
	bool		succeeded;

	if (refusal != NULL)
		PG_RETURN_TEXT_P(refusal);
	if (call == CALL_UPDATE)
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_TEXT_P(Envelope(400, "bad_request",
									  "request body must be a JSON object", NULL, NULL));
		args.patch = PG_GETARG_JSONB_P(0);
		if (!JB_ROOT_IS_OBJECT(args.patch))
			PG_RETURN_TEXT_P(Envelope(400, "bad_request",
									  "request body must be a JSON object", NULL, NULL));
	}

	result = RunCall(ActivityWork, &args, call == CALL_DELETE ? "204" : "200",
					 &succeeded);
	if (!succeeded)
		PG_RETURN_TEXT_P(result);
	if (call == CALL_DELETE)
		PG_RETURN_NULL();		/* 204: no body */
	SetETag(args.version);
	PG_RETURN_TEXT_P(result);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_get_activity);

/* clarky_api.get_activity(): 200 and {"data": activity}, ETag */
Datum
clarky_api_get_activity(PG_FUNCTION_ARGS)
{
	return ActivityHttp(fcinfo, CALL_GET);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_update_activity);

/* clarky_api.update_activity(patch): 200 and {"data": activity}, ETag */
Datum
clarky_api_update_activity(PG_FUNCTION_ARGS)
{
	return ActivityHttp(fcinfo, CALL_UPDATE);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_delete_activity);

/* clarky_api.delete_activity(): 204 */
Datum
clarky_api_delete_activity(PG_FUNCTION_ARGS)
{
	return ActivityHttp(fcinfo, CALL_DELETE);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_restore_activity);

/* clarky_api.restore_activity(): 200 and {"data": activity}, ETag */
Datum
clarky_api_restore_activity(PG_FUNCTION_ARGS)
{
	return ActivityHttp(fcinfo, CALL_RESTORE);
}

/*
 * ---- A company's contacts -------------------------------------------------
 *
 * PUT and DELETE /api/v1/companies/{company_id}/contacts/{contact_id}, and
 * GET /api/v1/companies/{company_id}/contacts.  As for one activity, nginx
 * maps PUT and DELETE to POST and passes both ids, still percent-encoded,
 * in the request headers X-Clarky-Company-Id and X-Clarky-Contact-Id; the
 * PUT's body (or "{}" where the client sent none) is the function's one
 * argument.  The list takes company_id, page and page_size as the
 * timelines take theirs.
 */

#define COMPANY_ID_HEADER "x-clarky-company-id"
#define CONTACT_ID_HEADER "x-clarky-contact-id"

/*
 * A membership id from its request header, percent-decoded; an id that
 * cannot be one is a validation error naming the path parameter.  (The
 * length and emptiness are checked again, as for the SQL API, by the
 * membership functions.)
 */
static text *
RequestMemberId(const char *header, const char *field)
{
	char	   *raw = RequestHeader(header);
	char	   *decoded;
	size_t		n;

	if (raw == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("parameter \"%s\" is required", field),
				 errdetail("Send it percent-encoded in the request header %s.",
						   strcmp(field, "company_id") == 0 ?
						   "X-Clarky-Company-Id" : "X-Clarky-Contact-Id"),
				 ClarkyErrorField(field)));
	decoded = PercentDecodeId(raw, &n);
	if (decoded == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("parameter \"%s\" must be a percent-encoded id of 1 to %d characters",
						field, CLARKY_MAX_ID_CHARS),
				 errdetail("Got \"%s\".",
						   pnstrdup(raw, pg_mbcliplen(raw, strlen(raw), 100))),
				 ClarkyErrorField(field)));
	return cstring_to_text_with_len(decoded, n);
}

/*
 * The PUT body's "backfill": true or false, false where absent or null.
 * Any other key, or a backfill of another type, is a validation error
 * naming it.
 */
static bool
BackfillOption(Jsonb *body)
{
	JsonbIterator *it = JsonbIteratorInit(&body->root);
	JsonbIteratorToken token;
	JsonbValue	v;
	bool		backfill = false;

	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		char	   *key;

		if (token != WJB_KEY)
			continue;
		/* (a key is shown, and named, clipped to 100 bytes) */
		key = pnstrdup(v.val.string.val,
					   pg_mbcliplen(v.val.string.val, v.val.string.len, 100));
		if (v.val.string.len != strlen("backfill") ||
			memcmp(v.val.string.val, "backfill", v.val.string.len) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown field \"%s\" in membership body", key),
					 errdetail("The accepted field is backfill."),
					 ClarkyErrorField(key)));
		token = JsonbIteratorNext(&it, &v, true);
		Assert(token == WJB_VALUE);
		if (v.type == jbvBool)
			backfill = v.val.boolean;
		else if (v.type != jbvNull)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("field \"backfill\" must be true or false"),
					 ClarkyErrorField("backfill")));
	}
	return backfill;
}

/* What a call does to a membership */
typedef enum MemberCall
{
	MEMBER_ADD,
	MEMBER_REMOVE
} MemberCall;

/* The arguments of a membership call, and what it did */
typedef struct MemberArgs
{
	MemberCall	call;
	Jsonb	   *body;			/* MEMBER_ADD: the PUT's body */
	bool		created;		/* MEMBER_ADD: the membership is new */
} MemberArgs;

static text *
MemberWork(void *arg)
{
	MemberArgs *args = (MemberArgs *) arg;
	text	   *company_id = RequestMemberId(COMPANY_ID_HEADER, "company_id");
	text	   *contact_id = RequestMemberId(CONTACT_ID_HEADER, "contact_id");

	if (args->call == MEMBER_ADD)
		return ClarkyAddContactToCompany(contact_id, company_id,
										 BackfillOption(args->body),
										 &args->created);
	if (!ClarkyRemoveContactFromCompany(contact_id, company_id))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("contact \"%s\" is not one of the contacts of company \"%s\"",
						text_to_cstring(contact_id), text_to_cstring(company_id))));
	return NULL;
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_add_contact_to_company);

/*
 * clarky_api.add_contact_to_company(body): 201 and {"data": membership}
 * where the membership is new, 200 where it was there already
 */
Datum
clarky_api_add_contact_to_company(PG_FUNCTION_ARGS)
{
	MemberArgs	args = {.call = MEMBER_ADD};
	text	   *refusal = CheckCaller(SCOPE_WRITE);
	text	   *result;
	bool		succeeded;

	if (refusal != NULL)
		PG_RETURN_TEXT_P(refusal);
	if (PG_ARGISNULL(0) || !JB_ROOT_IS_OBJECT(PG_GETARG_JSONB_P(0)))
		PG_RETURN_TEXT_P(Envelope(400, "bad_request",
								  "request body must be a JSON object", NULL, NULL));
	args.body = PG_GETARG_JSONB_P(0);

	result = RunCall(MemberWork, &args, "201", &succeeded);
	if (succeeded && !args.created)
		SetLocal("response.status", "200");
	PG_RETURN_TEXT_P(result);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_remove_contact_from_company);

/* clarky_api.remove_contact_from_company(): 204, or 404 where it was none */
Datum
clarky_api_remove_contact_from_company(PG_FUNCTION_ARGS)
{
	MemberArgs	args = {.call = MEMBER_REMOVE};
	text	   *refusal = CheckCaller(SCOPE_WRITE);
	text	   *result;
	bool		succeeded;

	if (refusal != NULL)
		PG_RETURN_TEXT_P(refusal);
	result = RunCall(MemberWork, &args, "204", &succeeded);
	if (succeeded)
		PG_RETURN_NULL();		/* 204: no body */
	PG_RETURN_TEXT_P(result);
}

/* The arguments of the list of a company's contacts */
typedef struct ContactsArgs
{
	text	   *company_id;
	text	   *page;
	text	   *page_size;
} ContactsArgs;

static text *
ContactsWork(void *arg)
{
	ContactsArgs *args = (ContactsArgs *) arg;

	if (args->company_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("parameter \"company_id\" is required"),
				 ClarkyErrorField("company_id")));
	return ClarkyCompanyContacts(args->company_id,
								 IntegerParameter(args->page, "page", 1),
								 IntegerParameter(args->page_size, "page_size",
												  CLARKY_DEFAULT_PAGE_SIZE));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_api_company_contacts);

/* clarky_api.company_contacts(company_id, page, page_size) */
Datum
clarky_api_company_contacts(PG_FUNCTION_ARGS)
{
	ContactsArgs args;
	text	   *refusal = CheckCaller(SCOPE_READ);

	if (refusal != NULL)
		PG_RETURN_TEXT_P(refusal);
	args.company_id = PG_ARGISNULL(0) ? NULL : PG_GETARG_TEXT_PP(0);
	args.page = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	args.page_size = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	PG_RETURN_TEXT_P(RunCall(ContactsWork, &args, "200", NULL));
}
