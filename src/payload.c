/*-------------------------------------------------------------------------
 *
 * payload.c
 *	  Validation of a log_activity payload, before anything is written.
 *
 * The payload is the seed's POST body as one JSON object.  Only the body
 * fields of the seed and occurred_at are accepted; JSON null means absent.
 * Every error about a field names it, in the message and in the error's column
 * name field (PG_DIAG_COLUMN_NAME), so that clients and the HTTP layer can
 * read it without parsing text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "clarky_activity.h"
#include "iso8601.h"

/* How much of a bad value an error message quotes */
#define QUOTED_VALUE_BYTES 100

/* The accepted fields, in the seed's order; errors are raised in this order */
typedef enum PayloadField
{
	FIELD_ACTIVITY_TYPE,
	FIELD_CONTACT_ID,
	FIELD_COMPANY_ID,
	FIELD_TITLE,
	FIELD_DESCRIPTION,
	FIELD_DUE_DATE,
	FIELD_DURATION_MINUTES,
	FIELD_COMPLETED_AT,
	FIELD_METADATA,
	FIELD_OCCURRED_AT,
	FIELD_COUNT
} PayloadField;

static const char *const field_names[FIELD_COUNT] = {
	"activity_type", "contact_id", "company_id", "title", "description",
	"due_date", "duration_minutes", "completed_at", "metadata", "occurred_at"
};

#define FIELD_LIST \
	"activity_type, contact_id, company_id, title, description, due_date, " \
	"duration_minutes, completed_at, metadata, occurred_at"

/*
 * Auxiliary ereport function: name the offending field or parameter in the
 * error's column name field.
 */
int
ClarkyErrorField(const char *field)
{
	return err_generic_string(PG_DIAG_COLUMN_NAME, field);
}

/* The JSON type of a value, as error messages name it */
static const char *
JsonTypeName(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "string";
		case jbvNumeric:
			return "number";
		case jbvBool:
			return "boolean";
		case jbvBinary:
			return JsonContainerIsObject(v->val.binary.data) ? "object" : "array";
		default:
			return "value";
	}
}

/* A string value, cut to QUOTED_VALUE_BYTES on a character boundary */
static char *
QuotedValue(const JsonbValue *v)
{
	int			len = pg_mbcliplen(v->val.string.val, v->val.string.len,
								   QUOTED_VALUE_BYTES);

	return psprintf("\"%.*s\"%s", len, v->val.string.val,
					len < v->val.string.len ? "..." : "");
}

/* Raise the error for a value of the wrong JSON type */
static void
WrongType(PayloadField field, const JsonbValue *v, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("field \"%s\" must be %s", field_names[field], expected),
			 errdetail("Got a JSON %s.", JsonTypeName(v)),
			 ClarkyErrorField(field_names[field])));
}

/*
 * Check a text value's length in characters against its limit.  noun is
 * "field" (a payload field) or "parameter" (a function's parameter).
 */
static void
CheckLength(const char *noun, const char *field, const char *str, int len,
			int max_chars)
{
	int			chars;

	/* a character is at least one byte: short strings need no counting */
	if (len <= max_chars)
		return;
	chars = pg_mbstrlen_with_len(str, len);
	if (chars > max_chars)
		ereport(ERROR,
				(errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION),
				 errmsg("%s \"%s\" is too long", noun, field),
				 errdetail("It has %d characters; the limit is %d.",
						   chars, max_chars),
				 ClarkyErrorField(field)));
}

/* Refuse an empty id; noun as for CheckLength */
static void
CheckNotEmpty(const char *noun, const char *field, int len)
{
	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s \"%s\" must not be empty", noun, field),
				 ClarkyErrorField(field)));
}

/*
 * Check a timeline's contact or company id parameter as the payload's
 * fields are checked: non-empty, at most CLARKY_MAX_ID_CHARS.
 */
void
ClarkyCheckOwnerId(const char *parameter, text *value)
{
	CheckNotEmpty("parameter", parameter, VARSIZE_ANY_EXHDR(value));
	CheckLength("parameter", parameter, VARDATA_ANY(value),
				VARSIZE_ANY_EXHDR(value), CLARKY_MAX_ID_CHARS);
}

/* A string field as text, or NULL if absent */
static text *
StringField(PayloadField field, const JsonbValue *v, int max_chars)
{
	if (v == NULL)
		return NULL;
	if (v->type != jbvString)
		WrongType(field, v, "a string");
	CheckLength("field", field_names[field], v->val.string.val,
				v->val.string.len, max_chars);
	return cstring_to_text_with_len(v->val.string.val, v->val.string.len);
}

/* contact_id or company_id: a non-empty string, or NULL if absent */
static text *
OwnerIdField(PayloadField field, const JsonbValue *v)
{
	text	   *id = StringField(field, v, CLARKY_MAX_ID_CHARS);

	if (id)
		CheckNotEmpty("field", field_names[field], VARSIZE_ANY_EXHDR(id));
	return id;
}

/* A timestamp field; false if absent */
static bool
TimestampField(PayloadField field, const JsonbValue *v, TimestampTz *result)
{
	char		reason[ISO8601_REASON_LEN];
	int64		usec;

	if (v == NULL)
		return false;
	if (v->type != jbvString)
		WrongType(field, v, "an ISO 8601 timestamp string");

	switch (Iso8601Parse(v->val.string.val, v->val.string.len, &usec, reason))
	{
		case ISO8601_OK:
			*result = (TimestampTz) usec;
			return true;
		case ISO8601_SYNTAX:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_DATETIME_FORMAT),
					 errmsg("field \"%s\" is not an ISO 8601 timestamp",
							field_names[field]),
					 errdetail("Got %s: %s.", QuotedValue(v), reason),
					 errhint("Use YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS with Z or an offset such as +02:00."),
					 ClarkyErrorField(field_names[field])));
			break;
		case ISO8601_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
					 errmsg("field \"%s\" is out of range", field_names[field]),
					 errdetail("Got %s: %s.", QuotedValue(v), reason),
					 ClarkyErrorField(field_names[field])));
			break;
	}
	pg_unreachable();
}

/* duration_minutes: a number from 0 to CLARKY_MAX_DURATION_MINUTES */
static Numeric
DurationField(const JsonbValue *v)
{
	Numeric		n;

	if (v == NULL)
		return NULL;
	if (v->type != jbvNumeric)
		WrongType(FIELD_DURATION_MINUTES, v, "a number");

	n = v->val.numeric;
	if (numeric_is_nan(n) || numeric_is_inf(n) ||
		DatumGetBool(DirectFunctionCall2(numeric_lt, NumericGetDatum(n),
										 NumericGetDatum(int64_to_numeric(0)))) ||
		DatumGetBool(DirectFunctionCall2(numeric_gt, NumericGetDatum(n),
										 NumericGetDatum(int64_to_numeric(CLARKY_MAX_DURATION_MINUTES)))))
	{
		char	   *shown = DatumGetCString(DirectFunctionCall1(numeric_out,
																	NumericGetDatum(n)));

		if (strlen(shown) > 30)
			shown = numeric_out_sci(n, 6);

		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("field \"duration_minutes\" must be between 0 and %d",
						CLARKY_MAX_DURATION_MINUTES),
				 errdetail("Got %s.", shown),
				 ClarkyErrorField("duration_minutes")));
	}
	return n;
}

/* metadata: a JSON object of at most CLARKY_MAX_METADATA_BYTES as text */
static Jsonb *
MetadataField(const JsonbValue *v)
{
	Jsonb	   *metadata;
	int			bytes;

	if (v == NULL)
		return NULL;
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		WrongType(FIELD_METADATA, v, "a JSON object");

	metadata = JsonbValueToJsonb((JsonbValue *) v);
	bytes = strlen(JsonbToCString(NULL, &metadata->root, VARSIZE(metadata)));
	if (bytes > CLARKY_MAX_METADATA_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("field \"metadata\" is too large"),
				 errdetail("It has %d bytes as JSON text; the limit is %d.",
						   bytes, CLARKY_MAX_METADATA_BYTES),
				 ClarkyErrorField("metadata")));
	return metadata;
}

/* The index in ClarkyActivityTypes of label[0..len), or -1 */
int
ClarkyActivityTypeIndex(const char *label, int len)
{
	for (int i = 0; i < CLARKY_ACTIVITY_TYPE_COUNT; i++)
	{
		if (strlen(ClarkyActivityTypes[i]) == (size_t) len &&
			memcmp(ClarkyActivityTypes[i], label, len) == 0)
			return i;
	}
	return -1;
}

/* activity_type: one of the seven labels; required */
static int
ActivityTypeField(const JsonbValue *v)
{
	int			index;

	if (v == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("field \"activity_type\" is required"),
				 errhint("Use one of %s.", CLARKY_ACTIVITY_TYPE_LIST),
				 ClarkyErrorField("activity_type")));
	if (v->type != jbvString)
		WrongType(FIELD_ACTIVITY_TYPE, v, "a string");

	index = ClarkyActivityTypeIndex(v->val.string.val, v->val.string.len);
	if (index < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("field \"activity_type\" must be one of %s",
						CLARKY_ACTIVITY_TYPE_LIST),
				 errdetail("Got %s.", QuotedValue(v)),
				 ClarkyErrorField("activity_type")));
	return index;
}

/* Which accepted field a key names, or FIELD_COUNT if none */
static PayloadField
LookupField(const JsonbValue *key)
{
	for (int i = 0; i < FIELD_COUNT; i++)
	{
		if (strlen(field_names[i]) == (size_t) key->val.string.len &&
			memcmp(field_names[i], key->val.string.val, key->val.string.len) == 0)
			return (PayloadField) i;
	}
	return FIELD_COUNT;
}

/*
 * Validate payload into *activity, raising the first error found.
 *
 * Unknown fields are reported first (jsonb keeps keys sorted, so "first" is
 * well defined), then the fields in the seed's order, then the
 * contact-or-company rule.
 */
void
ClarkyParsePayload(Jsonb *payload, ClarkyActivity *activity)
{
	JsonbValue	values[FIELD_COUNT];
	JsonbValue *present[FIELD_COUNT] = {0};
	JsonbIterator *it;
	JsonbIteratorToken token;
	JsonbValue	v;
	PayloadField field = FIELD_COUNT;

	if (!JB_ROOT_IS_OBJECT(payload))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("activity payload must be a JSON object"),
				 errdetail("Got a JSON %s.",
						   JB_ROOT_IS_SCALAR(payload) ? "scalar" : "array")));

	it = JsonbIteratorInit(&payload->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
		{
			field = LookupField(&v);
			if (field == FIELD_COUNT)
			{
				int			len = pg_mbcliplen(v.val.string.val,
											   v.val.string.len,
											   QUOTED_VALUE_BYTES);

				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("unknown field \"%.*s\" in activity payload",
								len, v.val.string.val),
						 errdetail("Accepted fields are %s.", FIELD_LIST),
						 ClarkyErrorField(pnstrdup(v.val.string.val, len))));
			}
		}
		else if (token == WJB_VALUE && v.type != jbvNull)
		{
			values[field] = v;
			present[field] = &values[field];
		}
	}

	memset(activity, 0, sizeof(ClarkyActivity));
	activity->activity_type = ActivityTypeField(present[FIELD_ACTIVITY_TYPE]);
	activity->contact_id = OwnerIdField(FIELD_CONTACT_ID,
										present[FIELD_CONTACT_ID]);
	activity->company_id = OwnerIdField(FIELD_COMPANY_ID,
										present[FIELD_COMPANY_ID]);
	activity->title = StringField(FIELD_TITLE, present[FIELD_TITLE],
								  CLARKY_MAX_TITLE_CHARS);
	activity->description = StringField(FIELD_DESCRIPTION,
										present[FIELD_DESCRIPTION],
										CLARKY_MAX_DESCRIPTION_CHARS);
	activity->has_due_date = TimestampField(FIELD_DUE_DATE,
											present[FIELD_DUE_DATE],
											&activity->due_date);
	activity->duration_minutes = DurationField(present[FIELD_DURATION_MINUTES]);
	activity->has_completed_at = TimestampField(FIELD_COMPLETED_AT,
												present[FIELD_COMPLETED_AT],
												&activity->completed_at);
	activity->metadata = MetadataField(present[FIELD_METADATA]);
	activity->has_occurred_at = TimestampField(FIELD_OCCURRED_AT,
											   present[FIELD_OCCURRED_AT],
											   &activity->occurred_at);

	if (activity->contact_id == NULL && activity->company_id == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("field \"contact_id\" or \"company_id\" is required"),
				 errdetail("An activity is logged against a contact, a company, or both."),
				 ClarkyErrorField("contact_id"),
				 err_generic_string(PG_DIAG_SCHEMA_NAME, CLARKY_SCHEMA),
				 err_generic_string(PG_DIAG_TABLE_NAME, "activities"),
				 err_generic_string(PG_DIAG_CONSTRAINT_NAME,
									"activities_contact_or_company")));
}
