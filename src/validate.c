/*-------------------------------------------------------------------------
 *
 * validate.c
 *	  The rules of an activity payload, checked without the server.
 *
 * The fields and their rules are those of activity_fields.h: a new
 * activity takes the fields the server does not set, a merge patch those
 * it may change.  Every error names its field or parameter; its
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

const FieldDesc ClarkyFields[FIELD_COUNT] = {
#define CLARKY_FIELD(tag, name, column, kind, limit, on_create, on_patch, rendered) \
	[tag] = {name, column, kind, limit, on_create, on_patch, rendered},
#include "activity_fields.h"
#undef CLARKY_FIELD
};

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

/* The field of a payload's key, or FIELD_COUNT if it names none */
ClarkyField
FieldIndex(const char *key, size_t len)
{
	for (int i = 0; i < FIELD_COUNT; i++)
	{
		if (ClarkyFields[i].rendered != RENDER_NEVER &&
			strlen(ClarkyFields[i].name) == len &&
			memcmp(ClarkyFields[i].name, key, len) == 0)
			return (ClarkyField) i;
	}
	return FIELD_COUNT;
}

/* Whether a payload of this mode may name the field */
static bool
Accepted(ClarkyField field, PayloadMode mode)
{
	return mode == PAYLOAD_CREATE ? ClarkyFields[field].on_create != FIELD_SERVER :
		ClarkyFields[field].on_patch != FIELD_FIXED;
}

/*
 * The order in which a payload's fields are judged: activity_type (the one
 * required field, first in the seed's body), then the others in the
 * description's order
 */
static ClarkyField
JudgedField(int i)
{
	if (i == 0)
		return FIELD_ACTIVITY_TYPE;
	return (ClarkyField) (i <= FIELD_ACTIVITY_TYPE ? i - 1 : i);
}

/* The fields a payload of this mode accepts, as "a, b, c" */
static void
AcceptedFields(char *buf, size_t size, PayloadMode mode)
{
	size_t		len = 0;

	buf[0] = '\0';
	for (int i = 0; i < FIELD_COUNT && len < size; i++)
	{
		ClarkyField field = JudgedField(i);

		if (Accepted(field, mode))
			len += snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
							ClarkyFields[field].name);
	}
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
WrongType(ClarkyField field, const PayloadMember *m, const char *expected,
		  ValidationError *error)
{
	Fail(error, VALIDATION_WRONG_TYPE, ClarkyFields[field].name,
		 "field \"%s\" must be %s", ClarkyFields[field].name, expected);
	return Detail(error, "Got a JSON %s.", KindName(m->kind));
}

/* A string field within its length */
static bool
StringField(ClarkyField field, const PayloadMember *m, int max_chars,
			const TextEncoding *encoding, ValidationError *error)
{
	if (m->kind != JSON_STRING)
		return WrongType(field, m, "a string", error);
	return CheckLength("field", ClarkyFields[field].name, m->text, m->text_len,
					   max_chars, encoding, error);
}

/* A timestamp field, into *usec */
static bool
TimestampField(ClarkyField field, const PayloadMember *m, int64_t *usec,
			   const TextEncoding *encoding, ValidationError *error)
{
	char		reason[ISO8601_REASON_LEN];
	char		quoted[QUOTED_VALUE_BYTES + 8];
	const char *name = ClarkyFields[field].name;

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

/* duration_minutes: a number from 0 to the maximum */
static bool
DurationField(const PayloadMember *m, ValidationError *error)
{
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

/*
 * The field an id list's primary id is given in: contact_ids' is
 * contact_id, company_ids' company_id.  (via_company_ids has none.)
 */
ClarkyField
ListPrimary(ClarkyField list)
{
	switch (list)
	{
		case FIELD_CONTACT_IDS:
			return FIELD_CONTACT_ID;
		case FIELD_COMPANY_IDS:
			return FIELD_COMPANY_ID;
		default:
			return FIELD_COUNT;
	}
}

/* An id list's number of ids, with its primary, within the limit */
bool
ValidateTagCount(ClarkyField list, int count, ValidationError *error)
{
	const FieldDesc *desc = &ClarkyFields[list];

	if (count <= desc->limit)
		return true;
	Fail(error, VALIDATION_TOO_MANY, desc->name, "field \"%s\" has too many ids",
		 desc->name);
	return Detail(error, "It has %d, with %s; the limit is %d.", count,
				  ClarkyFields[ListPrimary(list)].name, desc->limit);
}

/*
 * An id list: an array of at most limit distinct ids, each one as an id
 * field is; an error names the element ("contact_ids[2]", counting from 0)
 */
static bool
IdListField(ClarkyField field, const PayloadMember *m,
			const TextEncoding *encoding, ValidationError *error)
{
	const FieldDesc *desc = &ClarkyFields[field];

	if (m->kind != JSON_ARRAY)
		return WrongType(field, m, "an array of ids", error);
	if (m->element_count > desc->limit)
	{
		Fail(error, VALIDATION_TOO_MANY, desc->name,
			 "field \"%s\" has too many ids", desc->name);
		return Detail(error, "It has %d; the limit is %d.", m->element_count,
					  desc->limit);
	}
	for (int i = 0; i < m->element_count; i++)
	{
		const PayloadMember *e = &m->elements[i];
		char		name[64];

		snprintf(name, sizeof(name), "%s[%d]", desc->name, i);
		if (e->kind != JSON_STRING)
		{
			Fail(error, VALIDATION_WRONG_TYPE, name, "field \"%s\" must be a string", name);
			return Detail(error, "Got a JSON %s.", KindName(e->kind));
		}
		if (!CheckNotEmpty("field", name, e->text_len, error) ||
			!CheckLength("field", name, e->text, e->text_len, CLARKY_MAX_ID_CHARS,
						 encoding, error))
			return false;
		for (int j = 0; j < i; j++)
		{
			const PayloadMember *earlier = &m->elements[j];
			char		quoted[QUOTED_VALUE_BYTES + 8];

			if (earlier->text_len != e->text_len ||
				memcmp(earlier->text, e->text, e->text_len) != 0)
				continue;
			Quote(quoted, sizeof(quoted), e->text, e->text_len, encoding);
			Fail(error, VALIDATION_DUPLICATE, name,
				 "field \"%s\" repeats %s[%d]", name, desc->name, j);
			return Detail(error, "Got %s twice; the ids of a list are distinct.", quoted);
		}
	}
	return true;
}

/* metadata's size as JSON text and its nesting depth, within their limits */
bool
ValidateMetadataSize(size_t json_len, int depth, ValidationError *error)
{
	if (json_len > CLARKY_MAX_METADATA_BYTES)
	{
		Fail(error, VALIDATION_TOO_LARGE, "metadata", "field \"metadata\" is too large");
		return Detail(error, "It has %zu bytes as JSON text; the limit is %d.",
					  json_len, CLARKY_MAX_METADATA_BYTES);
	}
	if (depth > CLARKY_MAX_METADATA_DEPTH)
	{
		Fail(error, VALIDATION_TOO_DEEP, "metadata",
			 "field \"metadata\" is nested too deeply");
		return Detail(error, "It nests objects and arrays %d levels deep; the limit is %d.",
					  depth, CLARKY_MAX_METADATA_DEPTH);
	}
	return true;
}

/* metadata: an object within the size and nesting limits */
static bool
MetadataField(const PayloadMember *m, ValidationError *error)
{
	if (m->kind != JSON_OBJECT)
		return WrongType(FIELD_METADATA, m, "a JSON object", error);
	return ValidateMetadataSize(m->json_len, m->depth, error);
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

/* One field's value, present and not null, by its kind */
static bool
JudgeField(ClarkyField field, const PayloadMember *m, ValidatedPayload *payload,
		   const TextEncoding *encoding, ValidationError *error)
{
	const FieldDesc *desc = &ClarkyFields[field];

	switch (desc->kind)
	{
		case FIELD_KIND_TYPE:
			return ActivityTypeField(m, &payload->activity_type, encoding, error);
		case FIELD_KIND_ID:
			return StringField(field, m, desc->limit, encoding, error) &&
				CheckNotEmpty("field", desc->name, m->text_len, error);
		case FIELD_KIND_TEXT:
			return StringField(field, m, desc->limit, encoding, error);
		case FIELD_KIND_TIMESTAMP:
			return TimestampField(field, m, &payload->usec[field], encoding, error);
		case FIELD_KIND_DURATION:
			return DurationField(m, error);
		case FIELD_KIND_METADATA:
			return MetadataField(m, error);
		case FIELD_KIND_ID_LIST:
			return IdListField(field, m, encoding, error);
		case FIELD_KIND_VERSION:
			break;
	}
	return true;				/* never named by a payload */
}

/*
 * Judge a payload's members: a new activity's (mode PAYLOAD_CREATE) or a
 * merge patch's (PAYLOAD_PATCH).  On success fill *payload and return
 * true; otherwise describe the first error in *error and return false.
 * Where a key comes twice, the last one counts, as in jsonb.
 *
 * Errors are found in a fixed order: unknown and unchangeable keys first
 * (in the members' order), then the fields (activity_type first, then the
 * description's order), then, for a new activity, the contact-or-company
 * rule.  A patch is judged field by field; the rule is the caller's to
 * check on the patched activity.
 */
bool
ValidatePayload(const PayloadMember *members, int count, PayloadMode mode,
				const TextEncoding *encoding, ValidatedPayload *payload,
				ValidationError *error)
{
	const PayloadMember *const *f = payload->fields;

	memset(payload, 0, sizeof(ValidatedPayload));
	for (int i = 0; i < count; i++)
	{
		const PayloadMember *m = &members[i];
		ClarkyField field = FieldIndex(m->key, m->key_len);

		if (mode == PAYLOAD_PATCH &&
			((field < FIELD_COUNT && ClarkyFields[field].on_patch == FIELD_FIXED) ||
			 (m->key_len == strlen(CLARKY_WORKSPACE_KEY) &&
			  memcmp(m->key, CLARKY_WORKSPACE_KEY, m->key_len) == 0)))
		{
			const char *name = CLARKY_WORKSPACE_KEY;

			if (field < FIELD_COUNT)
				name = ClarkyFields[field].name;

			Fail(error, VALIDATION_FIXED, name, "field \"%s\" cannot be changed", name);
			return Detail(error, "It is set by the server.");
		}
		if (field == FIELD_COUNT || !Accepted(field, mode))
		{
			int			shown = encoding->clip(m->key, (int) m->key_len,
											   QUOTED_VALUE_BYTES);
			char		key[QUOTED_VALUE_BYTES + 1];
			char		accepted[VALIDATION_TEXT_LEN - 32];

			snprintf(key, sizeof(key), "%.*s", shown, m->key);
			AcceptedFields(accepted, sizeof(accepted), mode);
			Fail(error, VALIDATION_UNKNOWN_FIELD, key,
				 "unknown field \"%s\" in activity %s", key,
				 mode == PAYLOAD_CREATE ? "payload" : "patch");
			return Detail(error, "Accepted fields are %s.", accepted);
		}
		/* a new activity's null is an absent field; a patch's clears it */
		payload->fields[field] = (m->kind == JSON_NULL && mode == PAYLOAD_CREATE) ? NULL : m;
	}

	for (int i = 0; i < FIELD_COUNT; i++)
	{
		ClarkyField field = JudgedField(i);
		const FieldDesc *desc = &ClarkyFields[field];
		const PayloadMember *m = f[field];

		if (m == NULL)
		{
			if (mode == PAYLOAD_CREATE && desc->on_create == FIELD_REQUIRED)
				return JudgeField(field, NULL, payload, encoding, error);
			continue;
		}
		if (m->kind == JSON_NULL)
		{
			if (desc->on_patch == FIELD_NOT_NULL)
			{
				Fail(error, VALIDATION_NOT_NULL, desc->name,
					 "field \"%s\" cannot be cleared", desc->name);
				return Detail(error, "Every activity has one; give a new value instead of null.");
			}
			continue;
		}
		if (!JudgeField(field, m, payload, encoding, error))
			return false;
	}

	if (mode == PAYLOAD_CREATE)
		return ValidateContactOrCompany(f[FIELD_CONTACT_ID] != NULL ||
										(f[FIELD_CONTACT_IDS] != NULL &&
										 f[FIELD_CONTACT_IDS]->element_count > 0),
										f[FIELD_COMPANY_ID] != NULL ||
										(f[FIELD_COMPANY_IDS] != NULL &&
										 f[FIELD_COMPANY_IDS]->element_count > 0),
										error);
	return true;
}

/* The contact-or-company rule: an activity has a contact, a company, or both */
bool
ValidateContactOrCompany(bool has_contact, bool has_company,
						 ValidationError *error)
{
	if (has_contact || has_company)
		return true;
	Fail(error, VALIDATION_NO_OWNER, "contact_id",
		 "field \"contact_id\" or \"company_id\" is required");
	return Detail(error, "An activity is logged against a contact, a company, or both.");
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

/*
 * Split a list of workspace ids (the setting clarky.allowed_workspaces) in
 * place: ids separated by commas, the spaces around each one ignored.
 * list[0..len) is writable and NUL-terminated at len; each id is
 * NUL-terminated in it and its start stored in ids, which has room for
 * WORKSPACE_LIST_MAX(list, len) entries.  A list of nothing but spaces has
 * no id; an empty id among others, or one too long, is an error naming
 * its position.
 */
bool
ValidateWorkspaceList(char *list, size_t len, const char **ids, int *count,
					  const TextEncoding *encoding, ValidationError *error)
{
	char	   *item = list;
	char	   *end = list + len;
	int			n = 0;

	*count = 0;
	for (;;)
	{
		char	   *comma = memchr(item, ',', (size_t) (end - item));
		char	   *stop = comma ? comma : end;
		char	   *last = stop;
		char		field[32];

		while (item < stop && *item == ' ')
			item++;
		while (last > item && last[-1] == ' ')
			last--;
		*last = '\0';
		n++;
		snprintf(field, sizeof(field), "workspace id %d", n);
		if (last == item)
		{
			if (comma == NULL && n == 1)
				return true;	/* an empty list */
			return Fail(error, VALIDATION_EMPTY, CLARKY_ALLOWED_SETTING,
						"%s of the list is empty", field);
		}
		/* a character is at least one byte: short ids need no counting */
		if (last - item > CLARKY_MAX_ID_CHARS &&
			encoding->char_count(item, (int) (last - item)) > CLARKY_MAX_ID_CHARS)
		{
			Fail(error, VALIDATION_TOO_LONG, CLARKY_ALLOWED_SETTING,
				 "%s of the list is too long", field);
			return Detail(error, "A workspace id has at most %d characters.",
						  CLARKY_MAX_ID_CHARS);
		}
		ids[(*count)++] = item;
		if (comma == NULL)
			return true;
		item = comma + 1;
	}
}
