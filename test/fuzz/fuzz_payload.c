/*-------------------------------------------------------------------------
 *
 * fuzz_payload.c
 *	  Structure-aware libFuzzer harness for ValidatePayload,
 *	  ValidateMetadataSize, ValidateContactOrCompany and ValidateIdParameter
 *	  (src/validate.c).
 *
 * The input is decoded into up to 16 PayloadMembers, as payload.c builds
 * them from a jsonb object (layout below); every key and text is copied to
 * a block of exactly its size, without a terminating NUL, and so is every
 * id list's array of elements, so that AddressSanitizer sees any read past
 * its length.  The input chooses the
 * mode: a new activity (PAYLOAD_CREATE) or a merge patch (PAYLOAD_PATCH).
 * ValidatePayload judges the members with one of three TextEncodings: UTF-8
 * that is well defined on invalid UTF-8 too (mostly), the unit tests' UTF-8
 * functions, or a single-byte encoding.  The encoding is wrapped: the
 * validator must only ask about bytes of a member's key or text.
 *
 * Properties checked:
 *
 *	- on failure: the code is not VALIDATION_OK and is a known code; field
 *	  and message are non-empty NUL-terminated strings (field may be empty
 *	  only for the unknown key "", whose name it is); detail and hint are
 *	  NUL-terminated; the message is lower case without a final period and
 *	  names its field in quotes; detail and hint, when given, are whole
 *	  sentences; with UTF-8 input, every text is valid UTF-8 (values are cut
 *	  on character boundaries); an unknown key's message speaks of the
 *	  activity "payload" or "patch" as the mode is; REQUIRED and NO_OWNER
 *	  come only from a new activity, FIXED and NOT_NULL only from a patch,
 *	  TOO_MANY and DUPLICATE only from contact_ids or company_ids;
 *	- on success: every fields[] pointer is NULL or points into the members
 *	  array (at the last member with that key), no field the server sets is
 *	  there, a JSON null only in a patch and only for a field it may clear;
 *	  activity_type, where given, is in 0..6; each timestamp given lies
 *	  within ISO8601_MIN_USEC..MAX; a new activity has a contact or a
 *	  company (an id, or a list of at least one); an id list given is an
 *	  array of at most 50 distinct non-empty strings;
 *	- the verdict (code and field) agrees with a reference model written
 *	  from the README's rules and validate.c's header comment, with its own
 *	  table of the fields' rules: unknown keys (and, in a patch, keys the
 *	  server sets and workspace_id) first, in the members' order; the last
 *	  of repeated keys counts; a new activity's null means absent, a patch's
 *	  is kept and clears; via_company_ids, no key of the object, is unknown
 *	  in both; then the fields, activity_type first and the others in the
 *	  description's order (required activity_type in a new activity;
 *	  activity_type and occurred_at not cleared by a patch; contact_ids and
 *	  company_ids arrays of at most 50 ids, each element judged in turn,
 *	  named "contact_ids[i]" from 0: a string, non-empty, at most 255
 *	  characters, none equal to an earlier one); then, for a new activity
 *	  only, the contact-or-company rule, where a non-empty list counts as
 *	  a contact (or a company).  The reference has its own decimal range
 *	  check and calls nothing of validate.c;
 *	- the members and the id lists' elements are left unchanged;
 *	- ValidateMetadataSize, on every object member, agrees with the limits;
 *	  ValidateContactOrCompany refuses only neither;
 *	- ValidateIdParameter, on every string value (an id list's elements
 *	  too) and key: non-empty and at most 255 characters, else EMPTY or
 *	  TOO_LONG naming the parameter.
 *
 * Input layout (every read past the end gives zero bytes):
 *
 *	  byte		flags: bits 0-1 the encoding (0, 1: UTF-8; 2: the unit tests';
 *				3: single-byte); bit 2 the mode (0: PAYLOAD_CREATE,
 *				1: PAYLOAD_PATCH)
 *	  byte		member count, modulo 17
 *	  per member:
 *		byte	kind (JsonKind), modulo 6
 *		byte	key: below 240, one of the twenty names of KeyName
 *				(modulo 20: the nineteen fields in the order of
 *				activity_fields.h, then workspace_id); else a fuzzed key of
 *				(byte | (selector & 1) << 8) bytes
 *		string	byte mode, modulo 5: 0 raw (u16 length), 1 a timestamp built
 *				from fields, 2 an activity type (modulo 8; 7 is "Note"),
 *				3 a unit of 1..4 bytes repeated (a count near 255, 1000 or
 *				100000, or a u16 up to 4095; 450 kB in all at most),
 *				4 raw (u8 length)
 *		number	byte mode, modulo 4: 0 digits as numeric_out prints them,
 *				1 near the limits (0, 1, 999999, 1000000, 1000001),
 *				2 raw text (u8 length), 3 digits with leading zeros and "1."
 *		object	byte: odd, 65536 + (int8) byte; even, u24 json_len; then
 *				byte depth, modulo 40
 *		array	for the keys contact_ids and company_ids only (as payload.c
 *				builds elements for them alone): byte, the element count
 *				(below 128: modulo 8; else 44 + modulo 12, around the
 *				limit); over 50, no elements (as payload.c); else per
 *				element a byte, modulo 8: 0 the id "c<index>", 1 the id
 *				"c<byte modulo 4>", 2 a copy of an earlier element's text
 *				(byte modulo index; the first: empty), 3 a string as a
 *				member's, 4 null, 5 a number as a member's, 6 a boolean,
 *				7 an object or (byte even) an array
 *		others	nothing (text NULL, as payload.c leaves them)
 *
 *-------------------------------------------------------------------------
 */
#define _DEFAULT_SOURCE

#include <stdbool.h>

#include "iso8601.h"
#include "validate.h"
#include "fuzz_common.h"

#define MAX_MEMBERS 16
#define MAX_REPEAT 4095			/* a count of any size, beyond those near
								 * limits */
#define REPEAT_BUDGET 450000	/* bytes of repeated text in one input */
#define QUOTED_KEY_BYTES 100	/* how much of an unknown key errors quote */

/*
 * The README's fields and their rules, written out again: the reference's
 * own table, checked against validate.c's ClarkyFields once (CheckTables).
 */
#define REF_FIELDS 19
#define REF_MAX_METADATA_BYTES 65536
#define REF_MAX_METADATA_DEPTH 32
#define REF_MAX_IDS 50			/* ids of a contact_ids or company_ids */
#define REF_MAX_ID_CHARS 255	/* characters of an id, and of a list's */

typedef enum RefKind
{
	REF_ID,						/* a non-empty string of at most limit chars */
	REF_TEXT,					/* a string of at most limit characters */
	REF_TYPE,					/* one of the seven activity types */
	REF_TIMESTAMP,				/* an ISO 8601 string */
	REF_DURATION,				/* a number from 0 to limit */
	REF_METADATA,				/* an object within the size and depth limits */
	REF_ID_LIST,				/* an array of at most limit distinct ids */
	REF_SERVER					/* set by the server only */
} RefKind;

typedef struct RefField
{
	const char *name;
	RefKind		kind;
	long		limit;
	bool		server;			/* unknown in a new activity, fixed in a patch */
	bool		not_null;		/* a patch cannot clear it */
	bool		hidden;			/* no key of the object, unknown to patches */
} RefField;

static const RefField ref_fields[REF_FIELDS] = {
	{"id", REF_SERVER, 0, true, false, false},
	{"contact_id", REF_ID, 255, false, false, false},
	{"company_id", REF_ID, 255, false, false, false},
	{"activity_type", REF_TYPE, 0, false, true, false},
	{"title", REF_TEXT, 1000, false, false, false},
	{"description", REF_TEXT, 100000, false, false, false},
	{"due_date", REF_TIMESTAMP, 0, false, false, false},
	{"duration_minutes", REF_DURATION, 1000000, false, false, false},
	{"completed_at", REF_TIMESTAMP, 0, false, false, false},
	{"metadata", REF_METADATA, REF_MAX_METADATA_BYTES, false, false, false},
	{"created_at", REF_SERVER, 0, true, false, false},
	{"occurred_at", REF_TIMESTAMP, 0, false, true, false},
	{"owner_id", REF_ID, 255, false, false, false},
	{"updated_at", REF_SERVER, 0, true, false, false},
	{"version", REF_SERVER, 0, true, false, false},
	{"deleted_at", REF_SERVER, 0, true, false, false},
	{"contact_ids", REF_ID_LIST, REF_MAX_IDS, false, false, false},
	{"company_ids", REF_ID_LIST, REF_MAX_IDS, false, false, false},
	{"via_company_ids", REF_ID_LIST, 0, true, false, true},
};

/* The order in which the fields of a payload are judged (README's table) */
static const char *const judged_order[] = {
	"activity_type", "contact_id", "company_id", "title", "description",
	"due_date", "duration_minutes", "completed_at", "metadata", "occurred_at",
	"owner_id", "contact_ids", "company_ids"
};

#define WORKSPACE_KEY "workspace_id"

/* The keys the input names by number: the fields, then workspace_id */
#define KEY_NAMES (REF_FIELDS + 1)
#define KEY_NAME_SELECTORS (12 * KEY_NAMES) /* 240: each name 12 times */

static const char *
KeyName(unsigned i)
{
	return i < REF_FIELDS ? ref_fields[i].name : WORKSPACE_KEY;
}

static const char *const activity_types[7] = {
	"note", "call", "meeting", "video_call", "task", "todo", "reminder"
};

/* ---------- the input ---------- */

typedef struct Reader
{
	const uint8_t *p;
	size_t		n;
} Reader;

static unsigned
Byte(Reader *r)
{
	if (r->n == 0)
		return 0;
	r->n--;
	return *r->p++;
}

static unsigned
U16(Reader *r)
{
	unsigned	v = Byte(r);

	return v | Byte(r) << 8;
}

static unsigned
U24(Reader *r)
{
	unsigned	v = U16(r);

	return v | Byte(r) << 16;
}

/* Up to want bytes of the input (fewer at its end) */
static const uint8_t *
Take(Reader *r, size_t want, size_t *got)
{
	const uint8_t *p = r->p;

	*got = want < r->n ? want : r->n;
	r->p += *got;
	r->n -= *got;
	return p;
}

/* ---------- blocks of exactly their size, remembered ---------- */

typedef struct Block
{
	const char *p;
	size_t		len;
} Block;

/* each member's key and text, and each element's text */
static Block blocks[2 * MAX_MEMBERS + 2 + MAX_MEMBERS * REF_MAX_IDS];
static int	nblocks;
static size_t repeat_budget;

static const char *
NewBlock(const void *src, size_t len)
{
	char	   *p = FuzzCopy(src, len);

	blocks[nblocks].p = p;
	blocks[nblocks].len = len;
	nblocks++;
	return p;
}

/* Does [s, s + len) lie within one key or text? */
static bool
InBlock(const char *s, int len)
{
	for (int i = 0; i < nblocks; i++)
	{
		if (s >= blocks[i].p && (size_t) len <= blocks[i].len &&
			(size_t) (s - blocks[i].p) <= blocks[i].len - (size_t) len)
			return true;
	}
	return false;
}

/* ---------- text encodings ---------- */

/*
 * The harness's own loops over long texts need no coverage feedback, and
 * would slow each run down severalfold with it.
 */
#if defined(__clang__) && defined(FUZZING)
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define NO_COVERAGE
#endif

/* Bytes of the UTF-8 character at s (len >= 1): 1 for anything invalid */
NO_COVERAGE static int
Utf8CharLen(const unsigned char *s, int len)
{
	int			n;

	if (s[0] < 0x80)
		return 1;
	else if ((s[0] & 0xE0) == 0xC0)
		n = 2;
	else if ((s[0] & 0xF0) == 0xE0)
		n = 3;
	else if ((s[0] & 0xF8) == 0xF0)
		n = 4;
	else
		return 1;
	if (n > len)
		return 1;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

NO_COVERAGE static int
Utf8Count(const char *s, int len)
{
	int			n = 0;

	for (int i = 0; i < len; i += Utf8CharLen((const unsigned char *) s + i, len - i))
		n++;
	return n;
}

NO_COVERAGE static int
Utf8Clip(const char *s, int len, int limit)
{
	int			clen = 0;

	while (clen < len)
	{
		int			l = Utf8CharLen((const unsigned char *) s + clen, len - clen);

		if (clen + l > limit)
			break;
		clen += l;
	}
	return clen;
}

/* test/unit/unit_test.c's functions */
NO_COVERAGE static int
UnitUtf8Count(const char *s, int len)
{
	int			n = 0;

	for (int i = 0; i < len; i++)
		n += ((unsigned char) s[i] & 0xC0) != 0x80;
	return n;
}

NO_COVERAGE static int
UnitUtf8Clip(const char *s, int len, int limit)
{
	int			n = len < limit ? len : limit;

	if (n < len)
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	return n;
}

static int
SingleByteCount(const char *s, int len)
{
	(void) s;
	return len;
}

static int
SingleByteClip(const char *s, int len, int limit)
{
	(void) s;
	return len < limit ? len : limit;
}

static const TextEncoding encodings[4] = {
	{Utf8Count, Utf8Clip},
	{Utf8Count, Utf8Clip},
	{UnitUtf8Count, UnitUtf8Clip},
	{SingleByteCount, SingleByteClip},
};
static const char *const encoding_names[4] = {
	"UTF-8", "UTF-8", "UTF-8 (unit tests' functions)", "single-byte"
};

static const TextEncoding *encoding;	/* the one in use */

/* What the validator is given: the encoding, checking its arguments */
static int
CheckedCount(const char *s, int len)
{
	int			n;

	CHECK(len >= 0, "the validator counts a non-negative length");
	CHECK(InBlock(s, len), "the validator counts only bytes of a key or text");
	n = encoding->char_count(s, len);
	CHECK(n >= 0 && n <= len, "the harness's encoding counts at most one character a byte");
	return n;
}

static int
CheckedClip(const char *s, int len, int limit)
{
	int			n;

	CHECK(len >= 0 && limit >= 0, "the validator clips with non-negative lengths");
	CHECK(InBlock(s, len), "the validator clips only bytes of a key or text");
	n = encoding->clip(s, len, limit);
	CHECK(n >= 0 && n <= len && n <= limit, "the harness's encoding clips within len and limit");
	return n;
}

static const TextEncoding checked_encoding = {CheckedCount, CheckedClip};

/* Strictly valid UTF-8 (no overlong forms, surrogates or beyond U+10FFFF)? */
NO_COVERAGE static bool
IsValidUtf8(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t		i = 0;

	while (i < len)
	{
		unsigned	c = s[i];
		size_t		n;
		unsigned long cp;

		if (c < 0x80)
		{
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 2, cp = c & 0x1F;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 3, cp = c & 0x0F;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 4, cp = c & 0x07;
		else
			return false;
		if (len - i < n)
			return false;
		for (size_t k = 1; k < n; k++)
		{
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
			(cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n;
	}
	return true;
}

/* ---------- decoding the members ---------- */

static PayloadMember decoded[MAX_MEMBERS];
static int	ndecoded;
static int	encoding_index;
static PayloadMode mode;		/* the input's choice */

static const char *
BuildTimestamp(Reader *r, size_t *len)
{
	static const int years[] = {1, 2, 1999, 2000, 9998, 9999, 0, 1970};
	char		buf[64];
	unsigned	form = Byte(r);
	int			year = (form & 0x20) ? years[Byte(r) % 8] : (int) (U16(r) % 10000);
	int			month = Byte(r) % 14;
	int			day = Byte(r) % 33;
	int			n = snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, month, day);

	if ((form & 3) != 0)
	{
		unsigned	hour = Byte(r) % 25;
		unsigned	minute = Byte(r) % 61;

		/* (one read a statement: arguments are evaluated in any order) */
		n += snprintf(buf + n, sizeof(buf) - n, "%c%02u:%02u",
					  (form & 0x10) ? 't' : 'T', hour, minute);
		if ((form & 3) >= 2)
			n += snprintf(buf + n, sizeof(buf) - n, ":%02u", Byte(r) % 61);
		if ((form & 3) == 3)
		{
			unsigned	digits = 1 + Byte(r) % 10;

			buf[n++] = '.';
			for (unsigned i = 0; i < digits; i++)
				buf[n++] = (char) ('0' + Byte(r) % 10);
		}
		switch ((form >> 2) & 3)
		{
			case 0:
				buf[n++] = 'Z';
				break;
			case 1:
				buf[n++] = 'z';
				break;
			default:
				{
					unsigned	oh = Byte(r) % 25;
					unsigned	om = Byte(r) % 61;

					n += snprintf(buf + n, sizeof(buf) - n, "%c%02u:%02u",
								  ((form >> 2) & 3) == 2 ? '+' : '-', oh, om);
				}
				break;
		}
	}
	*len = (size_t) n;
	return NewBlock(buf, (size_t) n);
}

/* A number's digits: mode 0 as numeric_out, 1 near the limits, 3 odd forms */
static const char *
BuildNumber(Reader *r, unsigned mode, size_t *len)
{
	static const char *const near[] = {"0", "1", "999999", "1000000", "1000001"};
	char		buf[128];
	unsigned	shape = Byte(r);
	int			n = 0;
	unsigned	nfrac = Byte(r) % 12;

	if (shape & 1)
		buf[n++] = '-';
	if (mode == 1)
		n += snprintf(buf + n, sizeof(buf) - n, "%s", near[(shape >> 1) % 5]);
	else
	{
		unsigned	nint = 1 + Byte(r) % 24;

		if (mode == 3)
			for (unsigned i = 0; i < (shape >> 1) % 4; i++)
				buf[n++] = '0';
		for (unsigned i = 0; i < nint; i++)
		{
			unsigned	d = Byte(r) % 10;

			if (i == 0 && nint > 1 && d == 0)
				d = 1;			/* numeric_out writes no leading zero */
			buf[n++] = (char) ('0' + d);
		}
	}
	if (nfrac > 0 || (mode == 3 && (shape & 0x80)))
	{
		buf[n++] = '.';
		for (unsigned i = 0; i < nfrac; i++)
			buf[n++] = (char) ('0' + Byte(r) % 10);
	}
	*len = (size_t) n;
	return NewBlock(buf, (size_t) n);
}

static const char *
BuildRepeat(Reader *r, size_t *len)
{
	static const long bases[] = {255, 1000, 100000};
	size_t		unit_len;
	const uint8_t *unit = Take(r, 1 + Byte(r) % 4, &unit_len);
	unsigned	sel = Byte(r) % 4;
	long		count;
	char	   *bytes;
	const char *block;

	if (sel == 3)
		count = (long) (U16(r) % (MAX_REPEAT + 1));
	else
		count = bases[sel] + (int8_t) Byte(r);
	if (unit_len == 0 || unit_len * (size_t) count > repeat_budget)
		count = 0;				/* keep each run fast */
	*len = unit_len * (size_t) count;
	repeat_budget -= *len;
	bytes = malloc(*len ? *len : 1);
	if (bytes == NULL)
		abort();
	if (*len > 0)
	{
		size_t		filled = unit_len;

		memcpy(bytes, unit, unit_len);
		while (filled < *len)
		{
			size_t		more = filled < *len - filled ? filled : *len - filled;

			memcpy(bytes + filled, bytes, more);
			filled += more;
		}
	}
	block = NewBlock(bytes, *len);
	free(bytes);
	return block;
}

static const char *
RawText(Reader *r, size_t want, size_t *len)
{
	const uint8_t *p = Take(r, want, len);

	return NewBlock(p, *len);
}

/* A string value: its text by the string's byte mode */
static void
DecodeString(Reader *r, PayloadMember *m)
{
	switch (Byte(r) % 5)
	{
		case 0:
			m->text = RawText(r, U16(r), &m->text_len);
			break;
		case 1:
			m->text = BuildTimestamp(r, &m->text_len);
			break;
		case 2:
			{
				unsigned	t = Byte(r) % 8;
				const char *label = t < 7 ? activity_types[t] : "Note";

				m->text_len = strlen(label);
				m->text = NewBlock(label, m->text_len);
			}
			break;
		case 3:
			m->text = BuildRepeat(r, &m->text_len);
			break;
		default:
			m->text = RawText(r, Byte(r), &m->text_len);
			break;
	}
}

/* A number value: its digits by the number's byte mode */
static void
DecodeNumber(Reader *r, PayloadMember *m)
{
	unsigned	mode = Byte(r) % 4;

	if (mode == 2)
		m->text = RawText(r, Byte(r), &m->text_len);
	else
		m->text = BuildNumber(r, mode, &m->text_len);
}

/* The id lists' elements, each array of exactly its size, and a copy */
typedef struct ElementArray
{
	PayloadMember *p;
	int			n;
	PayloadMember before[REF_MAX_IDS];
} ElementArray;

static ElementArray element_arrays[MAX_MEMBERS];
static int	nelement_arrays;

/* One element of an id list: elements[0..i) are decoded already */
static void
DecodeElement(Reader *r, PayloadMember *elements, int i)
{
	PayloadMember *e = &elements[i];
	unsigned	sel = Byte(r) % 8;
	char		buf[16];

	memset(e, 0, sizeof(PayloadMember));
	e->kind = JSON_STRING;
	switch (sel)
	{
		case 0:					/* an id of its own */
		case 1:					/* one of four ids: repeats are likely */
			e->text_len = (size_t) snprintf(buf, sizeof(buf), "c%u",
											sel == 0 ? (unsigned) i : Byte(r) % 4);
			e->text = NewBlock(buf, e->text_len);
			break;
		case 2:					/* a copy of an earlier element's text */
			{
				const PayloadMember *earlier = i > 0 ? &elements[Byte(r) % (unsigned) i] : NULL;
				const char *chars = earlier ? earlier->text : NULL;

				/* (no text, the first element or one of another kind: empty) */
				e->text_len = chars ? earlier->text_len : 0;
				e->text = NewBlock(chars ? chars : "", e->text_len);
			}
			break;
		case 3:
			DecodeString(r, e);
			break;
		case 4:
			e->kind = JSON_NULL;
			break;
		case 5:
			e->kind = JSON_NUMBER;
			DecodeNumber(r, e);
			break;
		case 6:
			e->kind = JSON_BOOL;
			break;
		default:
			e->kind = (Byte(r) & 1) ? JSON_OBJECT : JSON_ARRAY;
			break;
	}
}

static int	RefFieldOf(const char *key, size_t len);

/*
 * An array: for contact_ids and company_ids (by the key's bytes), as
 * payload.c builds them, its count and, within the limit, its elements;
 * any other array has neither
 */
static void
DecodeArray(Reader *r, PayloadMember *m)
{
	int			f = RefFieldOf(m->key, m->key_len);
	unsigned	sel;
	PayloadMember elements[REF_MAX_IDS];
	ElementArray *a;

	if (f < 0 || ref_fields[f].kind != REF_ID_LIST || ref_fields[f].hidden)
		return;
	sel = Byte(r);
	m->element_count = (int) (sel < 128 ? sel % 8 : 44 + sel % 12);
	if (m->element_count > REF_MAX_IDS)
		return;
	for (int i = 0; i < m->element_count; i++)
		DecodeElement(r, elements, i);
	a = &element_arrays[nelement_arrays++];
	a->n = m->element_count;
	a->p = (PayloadMember *) FuzzCopy(elements, (size_t) a->n * sizeof(PayloadMember));
	memcpy(a->before, elements, (size_t) a->n * sizeof(PayloadMember));
	m->elements = a->p;
}

static void
DecodeMember(Reader *r, PayloadMember *m)
{
	unsigned	kind = Byte(r) % 6;
	unsigned	key_sel = Byte(r);

	memset(m, 0, sizeof(PayloadMember));
	m->kind = (JsonKind) kind;
	if (key_sel < KEY_NAME_SELECTORS)
	{
		const char *name = KeyName(key_sel % KEY_NAMES);

		m->key_len = strlen(name);
		m->key = NewBlock(name, m->key_len);
	}
	else
		m->key = RawText(r, Byte(r) | (key_sel & 1) << 8, &m->key_len);

	switch (m->kind)
	{
		case JSON_STRING:
			DecodeString(r, m);
			break;
		case JSON_NUMBER:
			DecodeNumber(r, m);
			break;
		case JSON_OBJECT:
			{
				unsigned	size_sel = Byte(r);
				unsigned	depth;

				if (size_sel & 1)
					m->json_len = (size_t) (65536 + (int8_t) Byte(r));
				else
					m->json_len = U24(r);
				depth = Byte(r) % 40;
				m->depth = (int) depth;
			}
			break;
		case JSON_ARRAY:
			DecodeArray(r, m);
			break;
		default:
			break;
	}
}

static void
FuzzDescribeInput(FILE *out)
{
	static const char *const kinds[] = {"null", "string", "number", "bool", "object", "array"};

	fprintf(out, "*** %s, encoding %s, %d members:\n",
			mode == PAYLOAD_PATCH ? "a patch" : "a new activity",
			encoding_names[encoding_index], ndecoded);
	for (int i = 0; i < ndecoded; i++)
	{
		const PayloadMember *m = &decoded[i];

		fprintf(out, "***   [%d] key ", i);
		FuzzPrintBytes(out, m->key, m->key_len, 120);
		fprintf(out, " %s", kinds[m->kind]);
		if (m->text)
		{
			fputc(' ', out);
			FuzzPrintBytes(out, m->text, m->text_len, 120);
		}
		if (m->kind == JSON_OBJECT)
		{
			fprintf(out, " json_len %zu depth %d", m->json_len, m->depth);
		}
		if (m->kind == JSON_ARRAY && m->element_count > 0)
			fprintf(out, " of %d elements%s", m->element_count,
					m->elements ? ":" : " (over the limit: none built)");
		fputc('\n', out);
		for (int j = 0; m->elements != NULL && j < m->element_count; j++)
		{
			const PayloadMember *e = &m->elements[j];

			fprintf(out, "***     [%d][%d] %s", i, j, kinds[e->kind]);
			if (e->text)
			{
				fputc(' ', out);
				FuzzPrintBytes(out, e->text, e->text_len, 120);
			}
			fputc('\n', out);
		}
	}
}

/* ---------- the reference ---------- */

/* The reference's field of a key, or -1 */
static int
RefFieldOf(const char *key, size_t len)
{
	for (int i = 0; i < REF_FIELDS; i++)
		if (strlen(ref_fields[i].name) == len && memcmp(ref_fields[i].name, key, len) == 0)
			return i;
	return -1;
}

/*
 * Is the plain decimal s within [0, max]?  Accepts -?DIGITS(.DIGITS*)? (the
 * validator also takes "1.", which numeric_out never writes); anything else
 * is out of range.
 */
static bool
ReferenceDecimalInRange(const char *s, size_t len, long max)
{
	size_t		i = 0;
	bool		negative = false;
	bool		any_digit = false;
	bool		nonzero = false;
	bool		frac_nonzero = false;
	long		int_value = 0;	/* saturates above max */

	if (i < len && s[i] == '-')
		negative = true, i++;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
	{
		any_digit = true;
		nonzero |= s[i] != '0';
		if (int_value <= max)
			int_value = int_value * 10 + (s[i] - '0');
	}
	if (!any_digit)
		return false;
	if (i < len && s[i] == '.')
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
			frac_nonzero |= s[i] != '0';
	if (i != len)
		return false;
	if (negative)
		return !nonzero && !frac_nonzero;
	return int_value < max || (int_value == max && !frac_nonzero);
}

typedef struct Verdict
{
	ValidationCode code;
	char		field[128];
	const PayloadMember *fields[REF_FIELDS];
	int			activity_type;
	int64_t		usec[REF_FIELDS];	/* each timestamp field's instant */
} Verdict;

static bool
RefFail(Verdict *v, ValidationCode code, const char *field)
{
	v->code = code;
	snprintf(v->field, sizeof(v->field), "%s", field);
	return false;
}

/* metadata's size and depth: VALIDATION_OK, TOO_LARGE or TOO_DEEP */
static ValidationCode
RefMetadataSize(size_t json_len, int depth)
{
	if (json_len > REF_MAX_METADATA_BYTES)
		return VALIDATION_TOO_LARGE;
	if (depth > REF_MAX_METADATA_DEPTH)
		return VALIDATION_TOO_DEEP;
	return VALIDATION_OK;
}

/* One field's value, given and not null, by the reference's rules */
static bool
RefJudge(Verdict *v, int f, const PayloadMember *m)
{
	const RefField *rf = &ref_fields[f];
	char		reason[ISO8601_REASON_LEN];
	ValidationCode code;

	switch (rf->kind)
	{
		case REF_TYPE:
			if (m->kind != JSON_STRING)
				return RefFail(v, VALIDATION_WRONG_TYPE, rf->name);
			v->activity_type = -1;
			for (int t = 0; t < 7; t++)
				if (strlen(activity_types[t]) == m->text_len &&
					memcmp(activity_types[t], m->text, m->text_len) == 0)
					v->activity_type = t;
			if (v->activity_type < 0)
				return RefFail(v, VALIDATION_NOT_A_CHOICE, rf->name);
			return true;
		case REF_ID:
		case REF_TEXT:
			if (m->kind != JSON_STRING)
				return RefFail(v, VALIDATION_WRONG_TYPE, rf->name);
			/* (no encoding has more characters than bytes: see CheckedCount) */
			if (m->text_len > (size_t) rf->limit &&
				encoding->char_count(m->text, (int) m->text_len) > rf->limit)
				return RefFail(v, VALIDATION_TOO_LONG, rf->name);
			if (rf->kind == REF_ID && m->text_len == 0)
				return RefFail(v, VALIDATION_EMPTY, rf->name);
			return true;
		case REF_TIMESTAMP:
			if (m->kind != JSON_STRING)
				return RefFail(v, VALIDATION_WRONG_TYPE, rf->name);
			switch (Iso8601Parse(m->text, m->text_len, &v->usec[f], reason))
			{
				case ISO8601_OK:
					return true;
				case ISO8601_SYNTAX:
					return RefFail(v, VALIDATION_TIMESTAMP_SYNTAX, rf->name);
				case ISO8601_RANGE:
					return RefFail(v, VALIDATION_TIMESTAMP_RANGE, rf->name);
			}
			abort();
		case REF_DURATION:
			if (m->kind != JSON_NUMBER)
				return RefFail(v, VALIDATION_WRONG_TYPE, rf->name);
			if (!ReferenceDecimalInRange(m->text, m->text_len, rf->limit))
				return RefFail(v, VALIDATION_NUMBER_RANGE, rf->name);
			return true;
		case REF_METADATA:
			if (m->kind != JSON_OBJECT)
				return RefFail(v, VALIDATION_WRONG_TYPE, rf->name);
			code = RefMetadataSize(m->json_len, m->depth);
			if (code != VALIDATION_OK)
				return RefFail(v, code, rf->name);
			return true;
		case REF_ID_LIST:
			if (m->kind != JSON_ARRAY)
				return RefFail(v, VALIDATION_WRONG_TYPE, rf->name);
			if (m->element_count > rf->limit)
				return RefFail(v, VALIDATION_TOO_MANY, rf->name);
			for (int i = 0; i < m->element_count; i++)
			{
				const PayloadMember *e = &m->elements[i];
				char		name[64];

				snprintf(name, sizeof(name), "%s[%d]", rf->name, i);
				if (e->kind != JSON_STRING)
					return RefFail(v, VALIDATION_WRONG_TYPE, name);
				if (e->text_len == 0)
					return RefFail(v, VALIDATION_EMPTY, name);
				if (e->text_len > REF_MAX_ID_CHARS &&
					encoding->char_count(e->text, (int) e->text_len) > REF_MAX_ID_CHARS)
					return RefFail(v, VALIDATION_TOO_LONG, name);
				for (int j = 0; j < i; j++)
					if (m->elements[j].text_len == e->text_len &&
						memcmp(m->elements[j].text, e->text, e->text_len) == 0)
						return RefFail(v, VALIDATION_DUPLICATE, name);
			}
			return true;
		case REF_SERVER:
			break;
	}
	abort();					/* a server field never gets this far */
}

/*
 * A new activity's contact (or company): the id, or a list of at least one
 * (an empty list is none)
 */
static bool
RefHasOwner(const PayloadMember *const *fields, const char *id, const char *list)
{
	const PayloadMember *ids = fields[RefFieldOf(list, strlen(list))];

	return fields[RefFieldOf(id, strlen(id))] != NULL ||
		(ids != NULL && ids->kind == JSON_ARRAY && ids->element_count > 0);
}

static void
Reference(const PayloadMember *members, int count, PayloadMode mode, Verdict *v)
{
	bool		patch = mode == PAYLOAD_PATCH;

	memset(v, 0, sizeof(Verdict));
	v->code = VALIDATION_OK;

	/* the keys, in the members' order */
	for (int i = 0; i < count; i++)
	{
		const PayloadMember *m = &members[i];
		int			f = RefFieldOf(m->key, m->key_len);
		bool		workspace;

		workspace = (m->key_len == strlen(WORKSPACE_KEY) &&
					 memcmp(m->key, WORKSPACE_KEY, m->key_len) == 0);
		if (patch && (workspace || (f >= 0 && ref_fields[f].server && !ref_fields[f].hidden)))
		{
			RefFail(v, VALIDATION_FIXED, workspace ? WORKSPACE_KEY : ref_fields[f].name);
			return;
		}
		if (f < 0 || ref_fields[f].server)
		{
			/* named by its first 100 bytes, cut on a character (and a NUL) */
			int			shown = encoding->clip(m->key, (int) m->key_len, QUOTED_KEY_BYTES);
			size_t		n = strnlen(m->key, (size_t) shown);

			v->code = VALIDATION_UNKNOWN_FIELD;
			memcpy(v->field, m->key, n);
			v->field[n] = '\0';
			return;
		}
		v->fields[f] = (m->kind == JSON_NULL && !patch) ? NULL : m;
	}

	/* the fields, in the order they are judged */
	for (size_t j = 0; j < sizeof(judged_order) / sizeof(judged_order[0]); j++)
	{
		int			f = RefFieldOf(judged_order[j], strlen(judged_order[j]));
		const PayloadMember *m = v->fields[f];

		if (m == NULL)
		{
			if (!patch && ref_fields[f].kind == REF_TYPE)
			{
				RefFail(v, VALIDATION_REQUIRED, ref_fields[f].name);
				return;
			}
			continue;
		}
		if (m->kind == JSON_NULL)
		{
			/* only a patch keeps a null: it clears, where it may */
			if (ref_fields[f].not_null)
			{
				RefFail(v, VALIDATION_NOT_NULL, ref_fields[f].name);
				return;
			}
			continue;
		}
		if (!RefJudge(v, f, m))
			return;
	}

	if (!patch && !RefHasOwner(v->fields, "contact_id", "contact_ids") &&
		!RefHasOwner(v->fields, "company_id", "company_ids"))
		RefFail(v, VALIDATION_NO_OWNER, "contact_id");
}

/* ---------- the checks ---------- */

/* s[0..size) holds a NUL? */
static bool
Terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* A detail or hint: empty, or a sentence ending with a period */
static bool
SentenceOrEmpty(const char *s)
{
	size_t		n = strlen(s);

	return n == 0 || s[n - 1] == '.';
}

/* Does s end with suffix? */
static bool
EndsWith(const char *s, const char *suffix)
{
	size_t		n = strlen(s);
	size_t		k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* The error texts, whatever the code */
static void
CheckErrorTexts(const ValidationError *e, bool utf8_input)
{
	char		quoted[sizeof(e->field) + 2];
	size_t		mlen;

	CHECK(e->code != VALIDATION_OK, "on failure the code is not VALIDATION_OK");
	CHECK(e->code > VALIDATION_OK && e->code <= VALIDATION_DUPLICATE,
		  "on failure the code is a known ValidationCode");
	CHECK(Terminated(e->field, sizeof(e->field)), "on failure field is NUL-terminated");
	CHECK(Terminated(e->message, sizeof(e->message)), "on failure message is NUL-terminated");
	CHECK(Terminated(e->detail, sizeof(e->detail)), "on failure detail is NUL-terminated");
	CHECK(Terminated(e->hint, sizeof(e->hint)), "on failure hint is NUL-terminated");
	CHECK(e->message[0] != '\0', "on failure message is not empty");
	CHECK(e->field[0] != '\0' || e->code == VALIDATION_UNKNOWN_FIELD,
		  "on failure field is not empty (but for the unknown key \"\")");

	mlen = strlen(e->message);
	CHECK(e->message[0] >= 'a' && e->message[0] <= 'z' && e->message[mlen - 1] != '.',
		  "the message is in PostgreSQL's style: lower case, no final period");
	snprintf(quoted, sizeof(quoted), "\"%s\"", e->field);
	CHECK(strstr(e->message, quoted) != NULL, "the message names its field in quotes");
	CHECK(SentenceOrEmpty(e->detail), "the detail is empty or a whole sentence (not cut)");
	CHECK(SentenceOrEmpty(e->hint), "the hint is empty or a whole sentence (not cut)");
	if (utf8_input)
	{
		CHECK(IsValidUtf8(e->field, strlen(e->field)), "with UTF-8 input, field is valid UTF-8");
		CHECK(IsValidUtf8(e->message, strlen(e->message)), "with UTF-8 input, message is valid UTF-8");
		CHECK(IsValidUtf8(e->detail, strlen(e->detail)), "with UTF-8 input, detail is valid UTF-8");
		CHECK(IsValidUtf8(e->hint, strlen(e->hint)), "with UTF-8 input, hint is valid UTF-8");
	}
}

/* What a payload's error says of its mode */
static void
CheckErrorMode(const ValidationError *e, PayloadMode mode)
{
	bool		patch = mode == PAYLOAD_PATCH;

	if (e->code == VALIDATION_UNKNOWN_FIELD)
		CHECK(EndsWith(e->message, patch ? "\" in activity patch" : "\" in activity payload"),
			  "an unknown key's message speaks of the activity payload or patch, as the mode is");
	CHECK(patch || (e->code != VALIDATION_FIXED && e->code != VALIDATION_NOT_NULL),
		  "FIXED and NOT_NULL come only from a patch");
	CHECK(!patch || (e->code != VALIDATION_REQUIRED && e->code != VALIDATION_NO_OWNER),
		  "REQUIRED and NO_OWNER come only from a new activity");
	CHECK((e->code != VALIDATION_TOO_MANY && e->code != VALIDATION_DUPLICATE) ||
		  strncmp(e->field, "contact_ids", 11) == 0 || strncmp(e->field, "company_ids", 11) == 0,
		  "TOO_MANY and DUPLICATE come only from contact_ids or company_ids");
}

static void
CheckIdParameter(const char *name, const char *value, size_t len, bool utf8_input)
{
	ValidationError e;
	bool		ok;
	bool		expected;
	int			chars = len > CLARKY_MAX_ID_CHARS ? encoding->char_count(value, (int) len) : 0;

	memset(&e, 'Z', sizeof(e));
	ok = ValidateIdParameter(name, value, len, &checked_encoding, &e);
	expected = len > 0 && chars <= CLARKY_MAX_ID_CHARS;
	CHECK(ok == expected, "ValidateIdParameter accepts exactly 1 to 255 characters");
	if (!ok)
	{
		CheckErrorTexts(&e, utf8_input);
		CHECK(e.code == (len == 0 ? VALIDATION_EMPTY : VALIDATION_TOO_LONG),
			  "ValidateIdParameter's code is EMPTY or TOO_LONG, as the value is");
		CHECK(strcmp(e.field, name) == 0, "ValidateIdParameter's error names the parameter");
		CHECK(strncmp(e.message, "parameter \"", 11) == 0,
			  "ValidateIdParameter's message speaks of a parameter");
	}
}

static void
CheckMetadataSize(size_t json_len, int depth)
{
	ValidationError e;
	ValidationCode expected = RefMetadataSize(json_len, depth);
	bool		ok;

	memset(&e, 'Z', sizeof(e));
	ok = ValidateMetadataSize(json_len, depth, &e);
	CHECK(ok == (expected == VALIDATION_OK),
		  "ValidateMetadataSize accepts at most 65536 bytes and 32 levels");
	if (!ok)
	{
		CheckErrorTexts(&e, true);
		CHECK(e.code == expected, "ValidateMetadataSize's code is TOO_LARGE (first) or TOO_DEEP");
		CHECK(strcmp(e.field, "metadata") == 0, "ValidateMetadataSize's error names metadata");
	}
}

/* validate.c's tables against the README's, and the inputless helpers */
static void
CheckTables(void)
{
	/* the FieldKind of each RefKind but REF_SERVER */
	static const FieldKind ref_kinds[] = {
		[REF_ID] = FIELD_KIND_ID,
		[REF_TEXT] = FIELD_KIND_TEXT,
		[REF_TYPE] = FIELD_KIND_TYPE,
		[REF_TIMESTAMP] = FIELD_KIND_TIMESTAMP,
		[REF_DURATION] = FIELD_KIND_DURATION,
		[REF_METADATA] = FIELD_KIND_METADATA,
		[REF_ID_LIST] = FIELD_KIND_ID_LIST,
	};
	static bool done;
	ValidationError e;

	if (done)
		return;
	CHECK(FIELD_COUNT == REF_FIELDS, "ClarkyFields has the README's eighteen fields and via_company_ids");
	for (int i = 0; i < REF_FIELDS; i++)
	{
		const FieldDesc *d = &ClarkyFields[i];
		const RefField *r = &ref_fields[i];

		CHECK(strcmp(d->name, r->name) == 0,
			  "ClarkyFields lists the README's fields in the Activity object's order");
		CHECK((d->on_create == FIELD_SERVER) == r->server &&
			  (d->on_patch == FIELD_FIXED) == r->server,
			  "ClarkyFields' server-set fields are the README's");
		CHECK((d->on_patch == FIELD_NOT_NULL) == r->not_null,
			  "ClarkyFields' fields a patch cannot clear are the README's");
		CHECK((d->on_create == FIELD_REQUIRED) == (r->kind == REF_TYPE),
			  "activity_type alone is required");
		CHECK(r->kind == REF_SERVER || (int) d->kind == (int) ref_kinds[r->kind],
			  "ClarkyFields' kinds are the README's");
		CHECK((r->kind != REF_ID && r->kind != REF_TEXT && r->kind != REF_DURATION &&
			   r->kind != REF_METADATA && r->kind != REF_ID_LIST) || d->limit == r->limit,
			  "ClarkyFields' limits are the README's");
		CHECK((d->rendered == RENDER_NEVER) == r->hidden,
			  "ClarkyFields' fields never rendered (no key of the object) are the reference's");
	}
	CHECK(CLARKY_MAX_TAGS == REF_MAX_IDS && CLARKY_MAX_ID_CHARS == REF_MAX_ID_CHARS,
		  "an id list has at most 50 ids of at most 255 characters");
	CHECK(CLARKY_ACTIVITY_TYPE_COUNT == 7, "there are seven activity types");
	for (int i = 0; i < 7; i++)
		CHECK(strcmp(ClarkyActivityTypes[i], activity_types[i]) == 0,
			  "ClarkyActivityTypes lists the README's types in order");
	CHECK(strcmp(CLARKY_WORKSPACE_KEY, WORKSPACE_KEY) == 0,
		  "the workspace's key is workspace_id");

	CHECK(ValidateContactOrCompany(true, false, &e) && ValidateContactOrCompany(false, true, &e) &&
		  ValidateContactOrCompany(true, true, &e),
		  "ValidateContactOrCompany accepts a contact, a company or both");
	memset(&e, 'Z', sizeof(e));
	CHECK(!ValidateContactOrCompany(false, false, &e), "ValidateContactOrCompany refuses neither");
	CheckErrorTexts(&e, true);
	CHECK(e.code == VALIDATION_NO_OWNER && strcmp(e.field, "contact_id") == 0,
		  "ValidateContactOrCompany's error is NO_OWNER naming contact_id");
	done = true;
}

/* A value's text is UTF-8 (a string) or ASCII (a number), as from jsonb */
static bool
TextIsUtf8(const PayloadMember *m)
{
	if (m->text == NULL)
		return true;
	if (m->kind == JSON_NUMBER)
	{
		for (size_t k = 0; k < m->text_len; k++)
			if ((unsigned char) m->text[k] >= 0x80)
				return false;
		return true;
	}
	return IsValidUtf8(m->text, m->text_len);
}

/* An id list of one id or more */
static bool
NonEmptyList(const PayloadMember *m)
{
	return m != NULL && m->kind == JSON_ARRAY && m->element_count > 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reader		r = {data, size};
	unsigned	flags;
	int			count;
	PayloadMember *members;
	PayloadMember before[MAX_MEMBERS];
	ValidatedPayload payload;
	ValidationError error;
	Verdict		ref;
	bool		ok;
	bool		utf8_input;

	CheckTables();
	nblocks = 0;
	ndecoded = 0;
	nelement_arrays = 0;
	repeat_budget = REPEAT_BUDGET;

	flags = Byte(&r);
	encoding_index = (int) (flags & 3);
	encoding = &encodings[encoding_index];
	mode = (flags & 4) ? PAYLOAD_PATCH : PAYLOAD_CREATE;
	count = (int) (Byte(&r) % (MAX_MEMBERS + 1));
	for (int i = 0; i < count; i++)
	{
		DecodeMember(&r, &decoded[i]);
		ndecoded++;
	}

	/* utf8_input: UTF-8 keys and strings, ASCII numbers (as from jsonb) */
	utf8_input = encoding_index <= 1;
	for (int i = 0; i < count && utf8_input; i++)
	{
		const PayloadMember *m = &decoded[i];

		utf8_input = IsValidUtf8(m->key, m->key_len) && TextIsUtf8(m);
		for (int j = 0; utf8_input && m->elements != NULL && j < m->element_count; j++)
			utf8_input = TextIsUtf8(&m->elements[j]);
	}

	/* the members array, of exactly its size */
	members = (PayloadMember *) FuzzCopy(decoded, (size_t) count * sizeof(PayloadMember));
	memcpy(before, decoded, (size_t) count * sizeof(PayloadMember));

	memset(&payload, 0x5A, sizeof(payload));
	memset(&error, 'Z', sizeof(error));
	ok = ValidatePayload(members, count, mode, &checked_encoding, &payload, &error);

	if (getenv("FUZZ_VERBOSE") != NULL)
	{
		FuzzDescribeInput(stdout);
		if (ok)
			printf("*** valid: activity_type %d\n", payload.activity_type);
		else
			printf("*** error %d field \"%s\": %s (%s) (%s)\n", (int) error.code,
				   error.field, error.message, error.detail, error.hint);
	}

	CHECK(count == 0 || memcmp(members, before, (size_t) count * sizeof(PayloadMember)) == 0,
		  "ValidatePayload leaves the members as they were");
	for (int i = 0; i < nelement_arrays; i++)
		CHECK(element_arrays[i].n == 0 ||
			  memcmp(element_arrays[i].p, element_arrays[i].before,
					 (size_t) element_arrays[i].n * sizeof(PayloadMember)) == 0,
			  "ValidatePayload leaves an id list's elements as they were");

	if (ok)
	{
		for (int f = 0; f < FIELD_COUNT; f++)
		{
			const PayloadMember *m = payload.fields[f];

			CHECK(m == NULL || (m >= members && m < members + count),
				  "on success every fields[] pointer is NULL or points into the members array");
			if (m == NULL)
				continue;
			CHECK(RefFieldOf(m->key, m->key_len) == f,
				  "on success fields[f] is a member whose key is field f");
			CHECK(!ref_fields[f].server, "on success no field the server sets is given");
			CHECK(m->kind != JSON_NULL || (mode == PAYLOAD_PATCH && !ref_fields[f].not_null),
				  "on success a null is kept only in a patch, only for a field it may clear");
			if (ref_fields[f].kind == REF_TIMESTAMP && m->kind != JSON_NULL)
				CHECK(payload.usec[f] >= ISO8601_MIN_USEC && payload.usec[f] <= ISO8601_MAX_USEC,
					  "on success each timestamp given lies within the accepted years");
		}
		CHECK(payload.fields[FIELD_ACTIVITY_TYPE] == NULL ||
			  (payload.activity_type >= 0 && payload.activity_type < CLARKY_ACTIVITY_TYPE_COUNT),
			  "on success a given activity_type is in 0..6");
		CHECK(mode == PAYLOAD_PATCH ||
			  (payload.fields[FIELD_ACTIVITY_TYPE] != NULL &&
			   (payload.fields[FIELD_CONTACT_ID] != NULL || payload.fields[FIELD_COMPANY_ID] != NULL ||
				NonEmptyList(payload.fields[FIELD_CONTACT_IDS]) ||
				NonEmptyList(payload.fields[FIELD_COMPANY_IDS]))),
			  "on success a new activity has an activity_type and a contact or a company (an id, or a list of one or more)");
		for (int f = 0; f < FIELD_COUNT; f++)
		{
			const PayloadMember *m = payload.fields[f];

			if (m == NULL || m->kind == JSON_NULL || ref_fields[f].kind != REF_ID_LIST)
				continue;
			CHECK(m->kind == JSON_ARRAY && m->element_count <= REF_MAX_IDS && m->elements != NULL,
				  "on success an id list is an array of at most 50 elements, built");
			for (int i = 0; i < m->element_count; i++)
			{
				const PayloadMember *e = &m->elements[i];

				CHECK(e->kind == JSON_STRING && e->text_len > 0,
					  "on success an id list's elements are non-empty strings");
				for (int j = 0; j < i; j++)
					CHECK(e->text_len != m->elements[j].text_len ||
						  memcmp(e->text, m->elements[j].text, e->text_len) != 0,
						  "on success an id list's elements are distinct");
			}
		}
	}
	else
	{
		CheckErrorTexts(&error, utf8_input);
		CheckErrorMode(&error, mode);
	}

	/* the reference's verdict */
	Reference(decoded, count, mode, &ref);
	if (ok != (ref.code == VALIDATION_OK) || (!ok && (error.code != ref.code ||
													  strcmp(error.field, ref.field) != 0)))
		fprintf(stderr, "*** ValidatePayload: %s code %d field \"%s\" (%s; %s)\n"
				"*** the reference: code %d field \"%s\"\n",
				ok ? "ok" : "error", ok ? 0 : (int) error.code, ok ? "" : error.field,
				ok ? "" : error.message, ok ? "" : error.detail,
				(int) ref.code, ref.field);
	CHECK(ok == (ref.code == VALIDATION_OK), "ValidatePayload accepts exactly what the reference accepts");
	if (!ok)
	{
		CHECK(error.code == ref.code, "ValidatePayload's error code agrees with the reference");
		CHECK(strcmp(error.field, ref.field) == 0, "ValidatePayload's error names the reference's field");
	}
	else
	{
		for (int f = 0; f < FIELD_COUNT; f++)
		{
			const PayloadMember *m = payload.fields[f];

			CHECK(m == (ref.fields[f] ? members + (ref.fields[f] - decoded) : NULL),
				  "on success fields[f] is the last member with key f (a new activity's null: absent)");
			if (m != NULL && m->kind != JSON_NULL && ref_fields[f].kind == REF_TIMESTAMP)
				CHECK(payload.usec[f] == ref.usec[f], "on success each timestamp is the instant given");
		}
		if (payload.fields[FIELD_ACTIVITY_TYPE] != NULL &&
			payload.fields[FIELD_ACTIVITY_TYPE]->kind != JSON_NULL)
			CHECK(payload.activity_type == ref.activity_type,
				  "on success activity_type is the type given");
	}

	/*
	 * the helpers on every object member, every string value (an id list's
	 * elements too) and every key
	 */
	for (int i = 0; i < count; i++)
	{
		const char *name = (i & 1) ? "company_id" : "contact_id";

		if (decoded[i].kind == JSON_OBJECT)
			CheckMetadataSize(decoded[i].json_len, decoded[i].depth);
		if (decoded[i].kind == JSON_STRING)
			CheckIdParameter(name, decoded[i].text, decoded[i].text_len, utf8_input);
		CheckIdParameter(name, decoded[i].key, decoded[i].key_len, utf8_input);
		for (int j = 0; decoded[i].elements != NULL && j < decoded[i].element_count; j++)
			if (decoded[i].elements[j].kind == JSON_STRING)
				CheckIdParameter(name, decoded[i].elements[j].text,
								 decoded[i].elements[j].text_len, utf8_input);
	}

	free(members);
	for (int i = 0; i < nelement_arrays; i++)
		free(element_arrays[i].p);
	for (int i = 0; i < nblocks; i++)
		free((void *) blocks[i].p);
	return 0;
}
