/*-------------------------------------------------------------------------
 *
 * payload.c
 *	  A log_activity payload, from jsonb to a validated ClarkyActivity.
 *
 * The rules live in validate.c, which needs no server; this file feeds it
 * the payload's members and turns its verdict into an ereport: every error
 * about a field names it, in the message and in the error's column name
 * field (PG_DIAG_COLUMN_NAME), so that clients and the HTTP layer can read
 * it without parsing text.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "clarky_activity.h"

/* Characters in the database's encoding, for validate.c */
static const TextEncoding database_encoding = {
	.char_count = pg_mbstrlen_with_len,
	.clip = pg_mbcliplen
};

/*
 * Auxiliary ereport function: name the offending field or parameter in the
 * error's column name field.
 */
int
ClarkyErrorField(const char *field)
{
	return err_generic_string(PG_DIAG_COLUMN_NAME, field);
}

/* The SQLSTATE of each kind of validation error */
static int
ValidationSqlState(ValidationCode code)
{
	switch (code)
	{
		case VALIDATION_REQUIRED:
			return ERRCODE_NOT_NULL_VIOLATION;
		case VALIDATION_TOO_LONG:
			return ERRCODE_STRING_DATA_RIGHT_TRUNCATION;
		case VALIDATION_TIMESTAMP_SYNTAX:
			return ERRCODE_INVALID_DATETIME_FORMAT;
		case VALIDATION_TIMESTAMP_RANGE:
			return ERRCODE_DATETIME_FIELD_OVERFLOW;
		case VALIDATION_NUMBER_RANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case VALIDATION_TOO_LARGE:
		case VALIDATION_TOO_DEEP:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case VALIDATION_NO_OWNER:
			return ERRCODE_CHECK_VIOLATION;
		case VALIDATION_OK:
		case VALIDATION_UNKNOWN_FIELD:
		case VALIDATION_WRONG_TYPE:
		case VALIDATION_NOT_A_CHOICE:
		case VALIDATION_EMPTY:
			break;
	}
	return ERRCODE_INVALID_PARAMETER_VALUE;
}

/* Raise a validation error */
static void
ReportValidationError(const ValidationError *error)
{
	bool		no_owner = (error->code == VALIDATION_NO_OWNER);

	ereport(ERROR,
			(errcode(ValidationSqlState(error->code)),
			 errmsg_internal("%s", error->message),
			 error->detail[0] ? errdetail_internal("%s", error->detail) : 0,
			 error->hint[0] ? errhint("%s", error->hint) : 0,
			 ClarkyErrorField(error->field),
	/* the contact-or-company rule is also the table's CHECK constraint */
			 no_owner ? err_generic_string(PG_DIAG_SCHEMA_NAME, CLARKY_SCHEMA) : 0,
			 no_owner ? err_generic_string(PG_DIAG_TABLE_NAME, "activities") : 0,
			 no_owner ? err_generic_string(PG_DIAG_CONSTRAINT_NAME,
										   "activities_contact_or_company") : 0));
}

/* Check a timeline's contact or company id parameter */
void
ClarkyCheckOwnerId(const char *parameter, text *value)
{
	ValidationError error;

	if (!ValidateIdParameter(parameter, VARDATA_ANY(value), VARSIZE_ANY_EXHDR(value),
							 &database_encoding, &error))
		ReportValidationError(&error);
}

/* The nesting depth of a container's objects and arrays (itself: 1) */
static int
NestingDepth(JsonbContainer *container)
{
	JsonbIterator *it = JsonbIteratorInit(container);
	JsonbIteratorToken token;
	JsonbValue	v;
	int			depth = 0;
	int			deepest = 0;

	while ((token = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if (token == WJB_BEGIN_ARRAY || token == WJB_BEGIN_OBJECT)
		{
			depth++;
			deepest = Max(deepest, depth);
		}
		else if (token == WJB_END_ARRAY || token == WJB_END_OBJECT)
			depth--;
	}
	return deepest;
}

/* A member for validate.c from one key and value of the payload */
static void
SetMember(PayloadMember *m, const JsonbValue *key, const JsonbValue *value)
{
	memset(m, 0, sizeof(PayloadMember));
	m->key = key->val.string.val;
	m->key_len = key->val.string.len;
	switch (value->type)
	{
		case jbvString:
			m->kind = JSON_STRING;
			m->text = value->val.string.val;
			m->text_len = value->val.string.len;
			break;
		case jbvNumeric:
			m->kind = JSON_NUMBER;
			m->text = DatumGetCString(DirectFunctionCall1(numeric_out,
														  NumericGetDatum(value->val.numeric)));
			m->text_len = strlen(m->text);
			break;
		case jbvBool:
			m->kind = JSON_BOOL;
			break;
		case jbvBinary:
			m->kind = JsonContainerIsObject(value->val.binary.data) ?
				JSON_OBJECT : JSON_ARRAY;
			/* only metadata's size matters; measure no other object */
			if (m->kind == JSON_OBJECT &&
				PayloadFieldIndex(m->key, m->key_len) == FIELD_METADATA)
			{
				m->json_len = strlen(JsonbToCString(NULL, value->val.binary.data,
													value->val.binary.len));
				m->depth = NestingDepth(value->val.binary.data);
			}
			break;
		default:
			m->kind = JSON_NULL;
			break;
	}
}

/* A validated string field as text, or NULL */
static text *
TextOf(const PayloadMember *m)
{
	return m ? cstring_to_text_with_len(m->text, m->text_len) : NULL;
}

/*
 * Validate payload into *activity, raising the first error found (see
 * validate.c for the order).
 */
void
ClarkyParsePayload(Jsonb *payload, ClarkyActivity *activity)
{
	int			capacity;
	int			count = 0;
	PayloadMember *members;
	JsonbValue *values;
	JsonbIterator *it;
	JsonbIteratorToken token;
	JsonbValue	key = {.type = jbvNull};
	JsonbValue	v;
	ValidatedPayload valid;
	ValidationError error;

	if (!JB_ROOT_IS_OBJECT(payload))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("activity payload must be a JSON object"),
				 errdetail("Got a JSON %s.",
						   JB_ROOT_IS_SCALAR(payload) ? "scalar" : "array")));

	capacity = Max(JB_ROOT_COUNT(payload), 1);
	members = palloc(capacity * sizeof(PayloadMember));
	values = palloc(capacity * sizeof(JsonbValue));

	it = JsonbIteratorInit(&payload->root);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token == WJB_KEY)
			key = v;
		else if (token == WJB_VALUE)
		{
			values[count] = v;
			SetMember(&members[count], &key, &v);
			count++;
		}
	}

	if (!ValidatePayload(members, count, &database_encoding, &valid, &error))
		ReportValidationError(&error);

	memset(activity, 0, sizeof(ClarkyActivity));
	activity->activity_type = valid.activity_type;
	activity->contact_id = TextOf(valid.fields[FIELD_CONTACT_ID]);
	activity->company_id = TextOf(valid.fields[FIELD_COMPANY_ID]);
	activity->title = TextOf(valid.fields[FIELD_TITLE]);
	activity->description = TextOf(valid.fields[FIELD_DESCRIPTION]);
	activity->has_due_date = valid.fields[FIELD_DUE_DATE] != NULL;
	activity->due_date = (TimestampTz) valid.due_date;
	activity->has_completed_at = valid.fields[FIELD_COMPLETED_AT] != NULL;
	activity->completed_at = (TimestampTz) valid.completed_at;
	activity->has_occurred_at = valid.fields[FIELD_OCCURRED_AT] != NULL;
	activity->occurred_at = (TimestampTz) valid.occurred_at;
	if (valid.fields[FIELD_DURATION_MINUTES])
		activity->duration_minutes =
			values[valid.fields[FIELD_DURATION_MINUTES] - members].val.numeric;
	if (valid.fields[FIELD_METADATA])
		activity->metadata =
			JsonbValueToJsonb(&values[valid.fields[FIELD_METADATA] - members]);
}
