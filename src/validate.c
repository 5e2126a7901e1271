/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  The rules of an activity payload, checked without the server.
 *
 * Only the body fields of the seed and occurred_at are accepted; JSON null
 * means absent.  Errors are found in a fixed order: unknown keys first (in
 * the members' order), then the fields in the seed's order, then the
 * contact-or-company rule.  Every error names its field or parameter; its
 * texts follow PostgreSQL's style (lower-case message, no period; detail
 * and hint as sentences), ready for ereport.
 *
 *-------------------------------------------------------------------------
 */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "iso8601.h"

/* Must match the labels of clarky.activity_type, in order (tested) */
const char *const ClarkyActivityTypes[CLARKY_ACTIVITY_TYPE_COUNT] = {
	"note", "call", "meeting", "video_call", "task", "todo", "reminder"
};

const char *const PayloadFieldNames[FIELD_COUNT] = {
	"activity_type", "contact_id", "company_id", "title", "description",
	"due_date", "duration_minutes", "completed_at", "metadata", "occurred_at"
};

#define FIELD_LIST \
	"activity_type, contact_id, company_id, title, description, due_date, " \
	"duration_minutes, completed_at, metadata, occurred_at"

/* How much of a bad value an error quotes */
#define QUOTED_VALUE_BYTES 100
#define SHOWN_NUMBER_CHARS 30

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

/* Record an error with its message; returns false, for "return Fail(...)" */
PRINTF_LIKE(4, 5)
static bool
Fail(ValidationError *error, ValidationCode code, const char *field,
	 const char *fmt,...)
{
	va_list		args;

	error->code = code;
	snprintf(error->field, sizeof(error->field), "%s", field);
	va_start(args, fmt);
	vsnprintf(error->message, sizeof(error->message), fmt, args);
	va_end(args);
	error->detail[0] = '\0';
	error->hint[0] = '\0';
	return false;
}

/* Set the error's detail (returns false, like Fail) */
PRINTF_LIKE(2, 3)
static bool
Detail(ValidationError *error, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(error->detail, sizeof(error->detail), fmt, args);
	va_end(args);
	return false;
}

/* A string value in quotes, cut to QUOTED_VALUE_BYTES on a character boundary */
static void
Quote(char *buf, size_t size, const char *str, size_t len,
	  const TextEncoding *encoding)
{
	int			shown = encoding->clip(str, (int) len, QUOTED_VALUE_BYTES);

	snprintf(buf, size, "\"%.*s\"%s", shown, str, (size_t) shown < len ? "..." : "");
}

static const char *
KindName(JsonKind kind)
{
	static const char *const names[] = {
		"null", "string", "number", "boolean", "object", "array"
	};

	return names[kind];
}

int
ActivityTypeIndex(const char *label, size_t len)
{
	for (int i = 0; i < CLARKY_ACTIVITY_TYPE_COUNT; i++)
	{
		if (strlen(ClarkyActivityTypes[i]) == len &&
			memcmp(ClarkyActivityTypes[i], label, len) == 0)
			return i;
	}
	return -1;
}

PayloadField
PayloadFieldIndex(const char *key, size_t len)
{
	for (int i = 0; i < FIELD_COUNT; i++)
	{
		if (strlen(PayloadFieldNames[i]) == len &&
			memcmp(PayloadFieldNames[i], key, len) == 0)
			return (PayloadField) i;
	}
	return FIELD_COUNT;
}

/*
 * A text's length in characters against its limit.  noun is "field" (a
 * payload field) or "parameter" (a function's parameter).
 */
static bool
CheckLength(const char *noun, const char *field, const char *str, size_t len,
			int max_chars, const TextEncoding *encoding, ValidationError *error)
{
	int			chars;

	/* a character is at least one byte: short strings need no counting */
	if (len <= (size_t) max_chars)
		return true;
	chars = encoding->char_count(str, (int) len);
	if (chars <= max_chars)
		return true;
	Fail(error, VALIDATION_TOO_LONG, field, "%s \"%s\" is too long", noun, field);
	return Detail(error, "It has %d characters; the limit is %d.", chars, max_chars);
}

static bool
CheckNotEmpty(const char *noun, const char *field, size_t len,
			  ValidationError *error)
{
	if (len > 0)
		return true;
	return Fail(error, VALIDATION_EMPTY, field, "%s \"%s\" must not be empty",
				noun, field);
}

static bool
WrongType(PayloadField field, const PayloadMember *m, const char *expected,
		  ValidationError *error)
{
	Fail(error, VALIDATION_WRONG_TYPE, PayloadFieldNames[field],
		 "field \"%s\" must be %s", PayloadFieldNames[field], expected);
	return Detail(error, "Got a JSON %s.", KindName(m->kind));
}

/* A string field, if present, within its length */
static bool
StringField(PayloadField field, const PayloadMember *m, int max_chars,
			const TextEncoding *encoding, ValidationError *error)
{
	if (m == NULL)
		return true;
	if (m->kind != JSON_STRING)
		return WrongType(field, m, "a string", error);
	return CheckLength("field", PayloadFieldNames[field], m->text, m->text_len,
					   max_chars, encoding, error);
}

/* contact_id or company_id, if present: a non-empty string */
static bool
OwnerIdField(PayloadField field, const PayloadMember *m,
			 const TextEncoding *encoding, ValidationError *error)
{
	return StringField(field, m, CLARKY_MAX_ID_CHARS, encoding, error) &&
		(m == NULL || CheckNotEmpty("field", PayloadFieldNames[field], m->text_len, error));
}

/* A timestamp field, if present, into *usec */
static bool
TimestampField(PayloadField field, const PayloadMember *m, int64_t *usec,
			   const TextEncoding *encoding, ValidationError *error)
{
	char		reason[ISO8601_REASON_LEN];
	char		quoted[QUOTED_VALUE_BYTES + 8];
	const char *name = PayloadFieldNames[field];

	if (m == NULL)
		return true;
	if (m->kind != JSON_STRING)
		return WrongType(field, m, "an ISO 8601 timestamp string", error);

	switch (Iso8601Parse(m->text, m->text_len, usec, reason))
	{
		case ISO8601_OK:
			return true;
		case ISO8601_SYNTAX:
			Quote(quoted, sizeof(quoted), m->text, m->text_len, encoding);
			Fail(error, VALIDATION_TIMESTAMP_SYNTAX, name,
				 "field \"%s\" is not an ISO 8601 timestamp", name);
			snprintf(error->hint, sizeof(error->hint), "%s",
					 "Use YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS with Z or an offset such as +02:00.");
			return Detail(error, "Got %s: %s.", quoted, reason);
		case ISO8601_RANGE:
			Quote(quoted, sizeof(quoted), m->text, m->text_len, encoding);
			Fail(error, VALIDATION_TIMESTAMP_RANGE, name,
				 "field \"%s\" is out of range", name);
			return Detail(error, "Got %s: %s.", quoted, reason);
	}
	return false;
}

/*
 * Whether a plain decimal ("-12.50"; no exponent) lies in [0, max].  "-0"
 * and "-0.000" are zero.  Exact for any number of digits.
 */
static bool
DecimalInRange(const char *s, size_t len, long max)
{
	size_t		i = 0;
	size_t		int_start;
	size_t		int_end;
	bool		negative = false;
	bool		fraction_nonzero = false;
	char		max_text[24];
	size_t		max_len;
	int			cmp;

	if (i < len && s[i] == '-')
	{
		negative = true;
		i++;
	}
	int_start = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	int_end = i;
	if (i < len && s[i] == '.')
	{
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			fraction_nonzero |= (s[i] != '0');
	}
	if (i != len || int_end == int_start)
		return false;			/* not a plain decimal */

	while (int_end - int_start > 1 && s[int_start] == '0')
		int_start++;
	if (negative)
		return s[int_start] == '0' && !fraction_nonzero;

	max_len = (size_t) snprintf(max_text, sizeof(max_text), "%ld", max);
	if (int_end - int_start != max_len)
		return int_end - int_start < max_len;
	cmp = memcmp(s + int_start, max_text, max_len);
	return cmp < 0 || (cmp == 0 && !fraction_nonzero);
}

/* duration_minutes, if present: a number from 0 to the maximum */
static bool
DurationField(const PayloadMember *m, ValidationError *error)
{
	if (m == NULL)
		return true;
	if (m->kind != JSON_NUMBER)
		return WrongType(FIELD_DURATION_MINUTES, m, "a number", error);
	if (DecimalInRange(m->text, m->text_len, CLARKY_MAX_DURATION_MINUTES))
		return true;

	Fail(error, VALIDATION_NUMBER_RANGE, "duration_minutes",
		 "field \"duration_minutes\" must be between 0 and %d",
		 CLARKY_MAX_DURATION_MINUTES);
	if (m->text_len > SHOWN_NUMBER_CHARS)
		return Detail(error, "Got a number of %zu characters, starting %.*s.",
					  m->text_len, SHOWN_NUMBER_CHARS, m->text);
	return Detail(error, "Got %.*s.", (int) m->text_len, m->text);
}

/* metadata, if present: an object within the size and nesting limits */
static bool
MetadataField(const PayloadMember *m, ValidationError *error)
{
	if (m == NULL)
		return true;
	if (m->kind != JSON_OBJECT)
		return WrongType(FIELD_METADATA, m, "a JSON object", error);
	if (m->json_len > CLARKY_MAX_METADATA_BYTES)
	{
		Fail(error, VALIDATION_TOO_LARGE, "metadata", "field \"metadata\" is too large");
		return Detail(error, "It has %zu bytes as JSON text; the limit is %d.",
					  m->json_len, CLARKY_MAX_METADATA_BYTES);
	}
	if (m->depth > CLARKY_MAX_METADATA_DEPTH)
	{
		Fail(error, VALIDATION_TOO_DEEP, "metadata",
			 "field \"metadata\" is nested too deeply");
		return Detail(error, "It nests objects and arrays %d levels deep; the limit is %d.",
					  m->depth, CLARKY_MAX_METADATA_DEPTH);
	}
	return true;
}

/* activity_type: required, one of the seven */
static bool
ActivityTypeField(const PayloadMember *m, int *index,
				  const TextEncoding *encoding, ValidationError *error)
{
	char		quoted[QUOTED_VALUE_BYTES + 8];

	if (m == NULL)
	{
		Fail(error, VALIDATION_REQUIRED, "activity_type",
			 "field \"activity_type\" is required");
		snprintf(error->hint, sizeof(error->hint), "Use one of %s.",
				 CLARKY_ACTIVITY_TYPE_LIST);
		return false;
	}
	if (m->kind != JSON_STRING)
		return WrongType(FIELD_ACTIVITY_TYPE, m, "a string", error);

	*index = ActivityTypeIndex(m->text, m->text_len);
	if (*index >= 0)
		return true;
	Quote(quoted, sizeof(quoted), m->text, m->text_len, encoding);
	Fail(error, VALIDATION_NOT_A_CHOICE, "activity_type",
		 "field \"activity_type\" must be one of %s", CLARKY_ACTIVITY_TYPE_LIST);
	return Detail(error, "Got %s.", quoted);
}

/*
 * Judge a payload's members.  On success fill *payload and return true;
 * otherwise describe the first error in *error and return false.  Where a
 * key comes twice, the last one counts, as in jsonb.
 */
bool
ValidatePayload(const PayloadMember *members, int count,
				const TextEncoding *encoding, ValidatedPayload *payload,
				ValidationError *error)
{
	const PayloadMember *const *f = payload->fields;

	memset(payload, 0, sizeof(ValidatedPayload));
	for (int i = 0; i < count; i++)
	{
		const PayloadMember *m = &members[i];
		PayloadField field = PayloadFieldIndex(m->key, m->key_len);

		if (field == FIELD_COUNT)
		{
			int			shown = encoding->clip(m->key, (int) m->key_len,
											   QUOTED_VALUE_BYTES);
			char		key[QUOTED_VALUE_BYTES + 1];

			snprintf(key, sizeof(key), "%.*s", shown, m->key);
			Fail(error, VALIDATION_UNKNOWN_FIELD, key,
				 "unknown field \"%s\" in activity payload", key);
			return Detail(error, "Accepted fields are %s.", FIELD_LIST);
		}
		payload->fields[field] = (m->kind == JSON_NULL) ? NULL : m;
	}

	if (!ActivityTypeField(f[FIELD_ACTIVITY_TYPE], &payload->activity_type,
						   encoding, error) ||
		!OwnerIdField(FIELD_CONTACT_ID, f[FIELD_CONTACT_ID], encoding, error) ||
		!OwnerIdField(FIELD_COMPANY_ID, f[FIELD_COMPANY_ID], encoding, error) ||
		!StringField(FIELD_TITLE, f[FIELD_TITLE], CLARKY_MAX_TITLE_CHARS,
					 encoding, error) ||
		!StringField(FIELD_DESCRIPTION, f[FIELD_DESCRIPTION],
					 CLARKY_MAX_DESCRIPTION_CHARS, encoding, error) ||
		!TimestampField(FIELD_DUE_DATE, f[FIELD_DUE_DATE], &payload->due_date,
						encoding, error) ||
		!DurationField(f[FIELD_DURATION_MINUTES], error) ||
		!TimestampField(FIELD_COMPLETED_AT, f[FIELD_COMPLETED_AT],
						&payload->completed_at, encoding, error) ||
		!MetadataField(f[FIELD_METADATA], error) ||
		!TimestampField(FIELD_OCCURRED_AT, f[FIELD_OCCURRED_AT],
						&payload->occurred_at, encoding, error))
		return false;

	if (f[FIELD_CONTACT_ID] == NULL && f[FIELD_COMPANY_ID] == NULL)
	{
		Fail(error, VALIDATION_NO_OWNER, "contact_id",
			 "field \"contact_id\" or \"company_id\" is required");
		return Detail(error, "An activity is logged against a contact, a company, or both.");
	}
	return true;
}

/* A timeline's contact or company id: non-empty, within its length */
bool
ValidateIdParameter(const char *name, const char *value, size_t len,
					const TextEncoding *encoding, ValidationError *error)
{
	return CheckNotEmpty("parameter", name, len, error) &&
		CheckLength("parameter", name, value, len, CLARKY_MAX_ID_CHARS,
					encoding, error);
}
