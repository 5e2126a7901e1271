/*-------------------------------------------------------------------------
 *
 * payload.c
 *	  An activity payload or merge patch, from jsonb to validated values.
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

#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "clarky_activity.h"

/* Characters in the database's encoding, for validate.c */
const TextEncoding ClarkyDatabaseEncoding = {
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
		case VALIDATION_TOO_MANY:
			return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
		case VALIDATION_NO_OWNER:
			return ERRCODE_CHECK_VIOLATION;
		case VALIDATION_NOT_NULL:
			return ERRCODE_NOT_NULL_VIOLATION;
		case VALIDATION_OK:
		case VALIDATION_UNKNOWN_FIELD:
		case VALIDATION_WRONG_TYPE:
		case VALIDATION_NOT_A_CHOICE:
		case VALIDATION_EMPTY:
		case VALIDATION_FIXED:
		case VALIDATION_DUPLICATE:
			break;
	}
	return ERRCODE_INVALID_PARAMETER_VALUE;
}

/* Raise a validation error */
void
ClarkyReportValidationError(const ValidationError *error)
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
							 &ClarkyDatabaseEncoding, &error))
		ClarkyReportValidationError(&error);
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

static void SetMember(PayloadMember *m, const JsonbValue *key,
					  const JsonbValue *value);

/*
 * The elements of an id list's array, for validate.c: each one's kind and
 * string, where the array has no more ids than the list's limit (one with
 * more is refused for that alone)
 */
static void
SetElements(PayloadMember *m, ClarkyField field, JsonbContainer *array)
{
	JsonbIterator *it;
	JsonbIteratorToken token;
	JsonbValue	v;
	PayloadMember *elements;
	int			n = 0;

	m->element_count = JsonContainerSize(array);
	if (m->element_count > ClarkyFields[field].limit)
		return;
	elements = palloc0(Max(m->element_count, 1) * sizeof(PayloadMember));
	it = JsonbIteratorInit(array);
	while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (token == WJB_ELEM && n < m->element_count)
			SetMember(&elements[n++], NULL, &v);
	}
	m->elements = elements;
}

/*
 * A member for validate.c from one key and value of the payload (or, with
 * no key, one element of an id list)
 */
static void
SetMember(PayloadMember *m, const JsonbValue *key, const JsonbValue *value)
{
	ClarkyField field = FIELD_COUNT;

	memset(m, 0, sizeof(PayloadMember));
	if (key != NULL)
	{
		m->key = key->val.string.val;
		m->key_len = key->val.string.len;
		field = FieldIndex(m->key, m->key_len);
	}
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
			if (m->kind == JSON_ARRAY && field < FIELD_COUNT &&
				ClarkyFields[field].kind == FIELD_KIND_ID_LIST)
				SetElements(m, field, value->val.binary.data);
			if (m->kind == JSON_OBJECT && field == FIELD_METADATA)
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

/*
 * Validate payload (a new activity, or a merge patch of one) into row,
 * raising the first error found (see validate.c for the order).  given[f]
 * says whether the payload names field f: in a patch, a field given with
 * isnull set is cleared.  Given values are as a statement takes them:
 * strings as text, the activity type as its label (text), timestamps,
 * duration_minutes as numeric, metadata as jsonb, an id list as the text[]
 * of every id given (the caller sorts out the primary: see links.c).
 */
void
ClarkyParsePayload(Jsonb *payload, PayloadMode mode, ClarkyRow *row, bool *given)
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
				 errmsg("activity %s must be a JSON object",
						mode == PAYLOAD_CREATE ? "payload" : "patch"),
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

	if (!ValidatePayload(members, count, mode, &ClarkyDatabaseEncoding, &valid, &error))
		ClarkyReportValidationError(&error);

	for (int f = 0; f < FIELD_COUNT; f++)
	{
		const PayloadMember *m = valid.fields[f];
		const JsonbValue *value = m ? &values[m - members] : NULL;

		given[f] = (m != NULL);
		row->isnull[f] = (m == NULL || m->kind == JSON_NULL);
		row->values[f] = (Datum) 0;
		if (row->isnull[f])
			continue;
		switch (ClarkyFields[f].kind)
		{
			case FIELD_KIND_ID:
			case FIELD_KIND_TEXT:
				row->values[f] = PointerGetDatum(cstring_to_text_with_len(m->text,
																		  m->text_len));
				break;
			case FIELD_KIND_TYPE:
				row->values[f] = CStringGetTextDatum(ClarkyActivityTypes[valid.activity_type]);
				break;
			case FIELD_KIND_TIMESTAMP:
				row->values[f] = TimestampTzGetDatum((TimestampTz) valid.usec[f]);
				break;
			case FIELD_KIND_DURATION:
				row->values[f] = NumericGetDatum(value->val.numeric);
				break;
			case FIELD_KIND_METADATA:
				row->values[f] = JsonbPGetDatum(JsonbValueToJsonb((JsonbValue *) value));
				break;
			case FIELD_KIND_ID_LIST:
				{
					Datum	   *ids = palloc(Max(m->element_count, 1) * sizeof(Datum));

					for (int i = 0; i < m->element_count; i++)
						ids[i] = PointerGetDatum(cstring_to_text_with_len(m->elements[i].text,
																		  m->elements[i].text_len));
					row->values[f] = PointerGetDatum(construct_array(ids, m->element_count,
																	 TEXTOID, -1, false,
																	 TYPALIGN_INT));
				}
				break;
			case FIELD_KIND_VERSION:
				elog(ERROR, "a payload cannot give field \"%s\"", ClarkyFields[f].name);
		}
	}
}

/* Check metadata made by a merge against the limits of a payload's */
void
ClarkyCheckMetadata(Jsonb *metadata)
{
	ValidationError error;
	char	   *json = JsonbToCString(NULL, &metadata->root, VARSIZE(metadata));

	if (!ValidateMetadataSize(strlen(json), NestingDepth(&metadata->root), &error))
		ClarkyReportValidationError(&error);
	pfree(json);
}
