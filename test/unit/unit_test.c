/*-------------------------------------------------------------------------
 *
 * unit_test.c
 *	  Unit tests of the server-independent code (iso8601.c, ulid.c,
 *	  validate.c, json_out.c), run under AddressSanitizer and
 *	  UndefinedBehaviorSanitizer.  Prints TAP.
 *
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iso8601.h"
#include "json_out.h"
#include "ulid.h"
#include "validate.h"

static int	tests;
static int	failures;

static void
ok(int cond, const char *what)
{
	tests++;
	if (!cond)
		failures++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tests, what);
}

/* Parse str; return its status and, when accepted, its formatted form */
static Iso8601Status
Parse(const char *str, char *formatted)
{
	int64_t		usec;
	char		reason[ISO8601_REASON_LEN];
	Iso8601Status status = Iso8601Parse(str, strlen(str), &usec, reason);

	formatted[0] = '\0';
	if (status == ISO8601_OK)
		Iso8601Format(usec, formatted);
	return status;
}

static void
TestAccepted(void)
{
	static const char *const cases[][2] = {
		{"2026-04-29T15:30:00.000Z", "2026-04-29T15:30:00.000Z"},
		{"2026-04-29", "2026-04-29T00:00:00.000Z"},
		{"2026-04-29T15:30Z", "2026-04-29T15:30:00.000Z"},
		{"2026-04-29t15:30:00z", "2026-04-29T15:30:00.000Z"},
		{"2026-04-29T15:30:00+02:00", "2026-04-29T13:30:00.000Z"},
		{"2026-04-29T01:30:00+05:45", "2026-04-28T19:45:00.000Z"},
		{"2026-04-29T23:30:00-12:00", "2026-04-30T11:30:00.000Z"},
		{"2026-04-29T00:00:00+14:00", "2026-04-28T10:00:00.000Z"},
		{"2026-04-29T00:00:00-00:00", "2026-04-29T00:00:00.000Z"},
		{"2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"},
		{"2000-02-29", "2000-02-29T00:00:00.000Z"},
		{"2026-04-29T15:30:00.1Z", "2026-04-29T15:30:00.100Z"},
		{"2026-04-29T15:30:00.123456789Z", "2026-04-29T15:30:00.123Z"},
		{"2026-12-31T23:59:59.9999996Z", "2027-01-01T00:00:00.000Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"},
		{"9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999Z"},
		{"1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"},
		{"1999-12-31T23:59:59.999999Z", "1999-12-31T23:59:59.999Z"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		formatted[ISO8601_FORMAT_LEN];
		char		what[128];

		snprintf(what, sizeof(what), "accepts %s as %s", cases[i][0], cases[i][1]);
		ok(Parse(cases[i][0], formatted) == ISO8601_OK &&
		   strcmp(formatted, cases[i][1]) == 0, what);
	}
}

static void
TestRejected(void)
{
	static const struct
	{
		const char *input;
		Iso8601Status status;
	}			cases[] = {
		{"", ISO8601_SYNTAX},
		{"tomorrow", ISO8601_SYNTAX},
		{"now", ISO8601_SYNTAX},
		{"01/02/2026", ISO8601_SYNTAX},
		{"2026-1-01", ISO8601_SYNTAX},
		{"20260101", ISO8601_SYNTAX},
		{"2026-01-01T10:00", ISO8601_SYNTAX},
		{"2026-01-01T10:00:00", ISO8601_SYNTAX},
		{"2026-01-01 10:00:00Z", ISO8601_SYNTAX},
		{"2026-01-01T10Z", ISO8601_SYNTAX},
		{"2026-01-01T10:00:00.Z", ISO8601_SYNTAX},
		{"2026-01-01T10:00:00.1234567890Z", ISO8601_SYNTAX},
		{"2026-01-01T10:00:00+0200", ISO8601_SYNTAX},
		{"2026-01-01T10:00:00+02", ISO8601_SYNTAX},
		{"2026-01-01T10:00:00Z ", ISO8601_SYNTAX},
		{" 2026-01-01", ISO8601_SYNTAX},
		{"2026-01-01Z", ISO8601_SYNTAX},
		{"+2026-01-01", ISO8601_SYNTAX},
		{"12026-01-01", ISO8601_SYNTAX},
		{"2026-01-01T10:00:00UTC", ISO8601_SYNTAX},
		{"2026-02-30", ISO8601_RANGE},
		{"2025-02-29", ISO8601_RANGE},
		{"1900-02-29", ISO8601_RANGE},
		{"2026-13-01", ISO8601_RANGE},
		{"2026-00-10", ISO8601_RANGE},
		{"2026-01-00", ISO8601_RANGE},
		{"2026-04-31", ISO8601_RANGE},
		{"0000-01-01", ISO8601_RANGE},
		{"2026-01-01T24:00Z", ISO8601_RANGE},
		{"2026-01-01T23:60Z", ISO8601_RANGE},
		{"2026-12-31T23:59:60Z", ISO8601_RANGE},
		{"2026-01-01T10:00+24:00", ISO8601_RANGE},
		{"2026-01-01T10:00+01:60", ISO8601_RANGE},
		{"1999-01-01T10:00+01:60Z", ISO8601_SYNTAX},
		{"2026-01-01T10:00+24:00x", ISO8601_SYNTAX},
		{"0001-01-01T00:00:00+00:01", ISO8601_RANGE},
		{"9999-12-31T23:59:00-00:01", ISO8601_RANGE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		formatted[ISO8601_FORMAT_LEN];
		char		what[128];

		snprintf(what, sizeof(what), "rejects \"%s\" as a %s error", cases[i].input,
				 cases[i].status == ISO8601_SYNTAX ? "syntax" : "range");
		ok(Parse(cases[i].input, formatted) == cases[i].status, what);
	}
}

/* Every day of years 0001 to 9999 formats and parses back to itself */
static void
TestEveryDay(void)
{
	int64_t		day_usec = INT64_C(86400000000);
	int64_t		first = ISO8601_MIN_USEC / day_usec;
	int64_t		last = ISO8601_MAX_USEC / day_usec;
	int			bad = 0;
	int			days = 0;
	char		formatted[ISO8601_FORMAT_LEN];

	for (int64_t d = first; d <= last; d++)
	{
		char		buf[ISO8601_FORMAT_LEN];
		char		reason[ISO8601_REASON_LEN];
		int64_t		back;
		int64_t		usec = d * day_usec + ((d % 86400 + 86400) % 86400) * 1000000 + 123000;

		days++;
		if (Iso8601Format(usec, buf) != ISO8601_FORMAT_LEN - 1 ||
			Iso8601Parse(buf, strlen(buf), &back, reason) != ISO8601_OK ||
			back != usec)
			bad++;
	}
	ok(bad == 0 && days == 3652059, "every day of 0001..9999 round-trips");
	ok(Iso8601Format(ISO8601_MIN_USEC - 1, formatted) == 0 &&
	   Iso8601Format(ISO8601_MAX_USEC + 1, formatted) == 0,
	   "refuses to format outside years 0001..9999");
}

static void
TestMonths(void)
{
	int64_t		day_usec = INT64_C(86400000000);
	int			bad = 0;

	ok(Iso8601Month(0) == 360 && Iso8601Month(-1) == 359 &&
	   Iso8601Month(-INT64_C(946684800000000)) == 0,
	   "months: 2000-01 is 360, its previous microsecond in 359, 1970-01 is 0");
	ok(Iso8601MonthStart(360) == 0 && Iso8601MonthStart(0) == -INT64_C(946684800000000) &&
	   Iso8601MonthStart(-1) == Iso8601MonthStart(0) - 31 * day_usec &&
	   Iso8601MonthStart(361) == 31 * day_usec && Iso8601MonthStart(362) == 60 * day_usec,
	   "months: the first instants of 2000-01, 1970-01, 1969-12, 2000-02 and 2000-03 (a leap year)");
	for (int m = (1 - 1970) * 12; m <= (9999 - 1970) * 12 + 11; m++)
		if (Iso8601Month(Iso8601MonthStart(m)) != m ||
			Iso8601Month(Iso8601MonthStart(m) - 1) != m - 1 ||
			Iso8601MonthStart(m + 1) - Iso8601MonthStart(m) < 28 * day_usec ||
			Iso8601MonthStart(m + 1) - Iso8601MonthStart(m) > 31 * day_usec)
			bad++;
	ok(bad == 0, "months: every month of 0001..9999 begins where the one before it ends, 28 to 31 days on");
}

static void
TestUlid(void)
{
	UlidState	state = {0};
	char		chars[ULID_TEXT_LEN + 1] = {0};
	char		previous[ULID_TEXT_LEN + 1];

	ok(UlidAdvance(&state, UINT64_C(1469918176385)), "a new millisecond asks for randomness");
	memset(state.random, 0, ULID_RANDOM_BYTES);
	UlidEncode(&state, chars);
	ok(strcmp(chars, "01ARYZ6S410000000000000000") == 0, "encodes the spec's time part");

	memcpy(previous, chars, sizeof(previous));
	ok(!UlidAdvance(&state, UINT64_C(1469918176385)), "the same millisecond increments");
	UlidEncode(&state, chars);
	ok(strcmp(chars, "01ARYZ6S410000000000000001") == 0 && strcmp(previous, chars) < 0,
	   "the increment is the next ULID");

	ok(!UlidAdvance(&state, UINT64_C(1469918176000)), "a clock going back increments");
	ok(state.millis == UINT64_C(1469918176385), "and keeps the last millisecond");

	memset(state.random, 0xFF, ULID_RANDOM_BYTES);
	UlidEncode(&state, previous);
	ok(UlidAdvance(&state, state.millis) && state.millis == UINT64_C(1469918176386),
	   "overflow of the random part moves to the next millisecond");
	memset(state.random, 0, ULID_RANDOM_BYTES);
	UlidEncode(&state, chars);
	ok(strcmp(previous, chars) < 0, "and stays monotonic");

	state.millis = (UINT64_C(1) << 48) - 1;
	memset(state.random, 0xFF, ULID_RANDOM_BYTES);
	UlidEncode(&state, chars);
	ok(strcmp(chars, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == 0, "encodes the largest ULID");
}

/* UTF-8 character counting and clipping, as the server does for UTF8 */
static int
Utf8Count(const char *s, int len)
{
	int			n = 0;

	for (int i = 0; i < len; i++)
		n += ((unsigned char) s[i] & 0xC0) != 0x80;
	return n;
}

static int
Utf8Clip(const char *s, int len, int limit)
{
	int			n = len < limit ? len : limit;

	if (n < len)
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--;
	return n;
}

static const TextEncoding utf8 = {Utf8Count, Utf8Clip};

#define MEMBER(k, kind_, text_, len_) \
	{.key = k, .key_len = sizeof(k) - 1, .kind = kind_, .text = text_, .text_len = len_}
#define STR(k, v) MEMBER(k, JSON_STRING, v, sizeof(v) - 1)
#define NUM(k, v) MEMBER(k, JSON_NUMBER, v, sizeof(v) - 1)
#define OF_KIND(k, kind) MEMBER(k, kind, NULL, 0)
#define OBJECT(k, len_, depth_) \
	{.key = k, .key_len = sizeof(k) - 1, .kind = JSON_OBJECT, .json_len = len_, .depth = depth_}
/* An array of n elements (as payload.c builds an id list's: no key each) */
#define ARRAY(k, elements_, n) \
	{.key = k, .key_len = sizeof(k) - 1, .kind = JSON_ARRAY, .elements = elements_, .element_count = n}
#define ELEM(kind_, text_, len_) {.kind = kind_, .text = text_, .text_len = len_}
#define ESTR(v) ELEM(JSON_STRING, v, sizeof(v) - 1)
#define NMEMBERS(m) ((int) (sizeof(m) / sizeof((m)[0])))

/* The codes by name, so that an expected verdict reads as what it means */
static const char *const code_names[] = {
	[VALIDATION_OK] = "OK",
	[VALIDATION_UNKNOWN_FIELD] = "UNKNOWN_FIELD",
	[VALIDATION_WRONG_TYPE] = "WRONG_TYPE",
	[VALIDATION_REQUIRED] = "REQUIRED",
	[VALIDATION_NOT_A_CHOICE] = "NOT_A_CHOICE",
	[VALIDATION_EMPTY] = "EMPTY",
	[VALIDATION_TOO_LONG] = "TOO_LONG",
	[VALIDATION_TIMESTAMP_SYNTAX] = "TIMESTAMP_SYNTAX",
	[VALIDATION_TIMESTAMP_RANGE] = "TIMESTAMP_RANGE",
	[VALIDATION_NUMBER_RANGE] = "NUMBER_RANGE",
	[VALIDATION_TOO_LARGE] = "TOO_LARGE",
	[VALIDATION_TOO_DEEP] = "TOO_DEEP",
	[VALIDATION_NO_OWNER] = "NO_OWNER",
	[VALIDATION_FIXED] = "FIXED",
	[VALIDATION_NOT_NULL] = "NOT_NULL",
	[VALIDATION_TOO_MANY] = "TOO_MANY",
	[VALIDATION_DUPLICATE] = "DUPLICATE",
};

static const char *
CodeName(ValidationCode code)
{
	if ((size_t) code < sizeof(code_names) / sizeof(code_names[0]) &&
		code_names[code] != NULL)
		return code_names[code];
	return "(unknown code)";
}

/* An error as "CODE field: message", or "ok" */
static const char *
Describe(bool valid, const ValidationError *error)
{
	static char chars[600];

	if (valid)
		return "ok";
	snprintf(chars, sizeof(chars), "%s %s: %s", CodeName(error->code), error->field,
			 error->message);
	return chars;
}

/* Validate members in a mode; the error's code, field and message, or "ok" */
static const char *
VerdictOf(const PayloadMember *members, int count, PayloadMode mode,
		  ValidatedPayload *out)
{
	ValidationError error;

	return Describe(ValidatePayload(members, count, mode, &utf8, out, &error), &error);
}

static void
Expect(const PayloadMember *members, int count, PayloadMode mode,
	   const char *want, const char *what)
{
	ValidatedPayload out;
	const char *got = VerdictOf(members, count, mode, &out);
	int			same = strcmp(got, want) == 0;

	ok(same, what);
	if (!same)
		printf("# got:  %s\n# want: %s\n", got, want);
}

/* Every fields[] entry NULL but those named (a list ending with FIELD_COUNT) */
static bool
OnlyFieldsSet(const ValidatedPayload *out,...)
{
	bool		set[FIELD_COUNT] = {false};
	va_list		args;
	int			f;

	va_start(args, out);
	while ((f = va_arg(args, int)) != FIELD_COUNT)
		set[f] = true;
	va_end(args);
	for (f = 0; f < FIELD_COUNT; f++)
		if ((out->fields[f] != NULL) != set[f])
			return false;
	return true;
}

/* 2026-05-06T17:00:00Z, 2026-04-29T15:00:00Z, 2026-04-29T15:30:00Z */
#define USEC_2026_05_06_1700 INT64_C(831402000000000)
#define USEC_2026_04_29_1500 INT64_C(830790000000000)
#define USEC_2026_04_29_1530 INT64_C(830791800000000)

/* A buffer of characters for the length limits: 'x', or a three-byte euro */
static char xs[CLARKY_MAX_DESCRIPTION_CHARS + 1];
static char euros[3 * (CLARKY_MAX_ID_CHARS + 1)];

static void
TestValidateCreate(void)
{
	ValidatedPayload out;

	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c1"),
		NUM("duration_minutes", "32"), STR("due_date", "2026-05-06T17:00:00.000Z")};

		ok(strcmp(VerdictOf(m, 4, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   out.activity_type == 1 &&
		   out.fields[FIELD_ACTIVITY_TYPE] == &m[0] &&
		   out.fields[FIELD_CONTACT_ID] == &m[1] &&
		   out.fields[FIELD_DURATION_MINUTES] == &m[2] &&
		   out.fields[FIELD_DUE_DATE] == &m[3] &&
		   OnlyFieldsSet(&out, FIELD_ACTIVITY_TYPE, FIELD_CONTACT_ID,
						 FIELD_DURATION_MINUTES, FIELD_DUE_DATE, FIELD_COUNT) &&
		   out.usec[FIELD_DUE_DATE] == USEC_2026_05_06_1700,
		   "a valid payload, its type, its fields and its due date");
	}
	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("company_id", "co"),
			STR("occurred_at", "2026-04-29T15:00:00.000Z"),
		STR("completed_at", "2026-04-29T17:30:00+02:00")};

		ok(strcmp(VerdictOf(m, 4, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   out.usec[FIELD_OCCURRED_AT] == USEC_2026_04_29_1500 &&
		   out.usec[FIELD_COMPLETED_AT] == USEC_2026_04_29_1530 &&
		   out.usec[FIELD_DUE_DATE] == 0,
		   "each timestamp lands in usec[] at its own field");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contactId", "c1")};

		Expect(m, 2, PAYLOAD_CREATE,
			   "UNKNOWN_FIELD contactId: unknown field \"contactId\" in activity payload",
			   "an unknown field is named");
	}
	{
		PayloadMember m[] = {STR("contact_id", "c1"), OF_KIND("activity_type", JSON_NULL)};

		Expect(m, 2, PAYLOAD_CREATE,
			   "REQUIRED activity_type: field \"activity_type\" is required",
			   "null activity_type means absent: required");
	}
	{
		PayloadMember m[] = {STR("contact_id", "c1")};

		Expect(m, 1, PAYLOAD_CREATE,
			   "REQUIRED activity_type: field \"activity_type\" is required",
			   "a payload without activity_type");
	}
	{
		PayloadMember m[] = {STR("activity_type", "phone"), STR("contact_id", "c1")};

		Expect(m, 2, PAYLOAD_CREATE,
			   "NOT_A_CHOICE activity_type: field \"activity_type\" must be one of note, call, meeting, video_call, task, todo, reminder",
			   "an unknown type lists the seven");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), OF_KIND("title", JSON_BOOL),
		STR("contact_id", "")};

		Expect(m, 3, PAYLOAD_CREATE,
			   "EMPTY contact_id: field \"contact_id\" must not be empty",
			   "fields are judged in the description's order (contact_id before title)");
	}
	{
		PayloadMember m[] = {OF_KIND("title", JSON_BOOL), STR("activity_type", "phone")};

		Expect(m, 2, PAYLOAD_CREATE,
			   "NOT_A_CHOICE activity_type: field \"activity_type\" must be one of note, call, meeting, video_call, task, todo, reminder",
			   "activity_type is judged first, wherever it comes");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		OF_KIND("title", JSON_BOOL)};

		Expect(m, 3, PAYLOAD_CREATE,
			   "WRONG_TYPE title: field \"title\" must be a string", "a boolean title");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), OF_KIND("company_id", JSON_NULL)};

		Expect(m, 2, PAYLOAD_CREATE,
			   "NO_OWNER contact_id: field \"contact_id\" or \"company_id\" is required",
			   "neither owner");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		OF_KIND("title", JSON_NULL), OF_KIND("metadata", JSON_NULL)};

		ok(strcmp(VerdictOf(m, 4, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   OnlyFieldsSet(&out, FIELD_ACTIVITY_TYPE, FIELD_CONTACT_ID, FIELD_COUNT),
		   "in a new activity a null member is an absent field");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		MEMBER("title", JSON_STRING, xs, 1001)};

		Expect(m, 3, PAYLOAD_CREATE, "TOO_LONG title: field \"title\" is too long",
			   "1001 characters are too many");
		m[2].text_len = 1000;
		Expect(m, 3, PAYLOAD_CREATE, "ok", "1000 characters are fine");
	}
	{
		char		utf8_title[3000];
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		MEMBER("title", JSON_STRING, utf8_title, 3000)};

		for (int i = 0; i < 1000; i++)
			memcpy(utf8_title + 3 * i, "\xe2\x82\xac", 3);
		Expect(m, 3, PAYLOAD_CREATE, "ok", "1000 three-byte characters are 1000 characters");
	}
	{
		static const char *const in_range[] = {"0", "-0", "-0.000", "0.5", "1000000", "1000000.000", "0001000000", "999999.999999"};
		static const char *const out_of_range[] = {"-1", "-0.001", "1000000.001", "1000001", "10000000", "99999999999999999999999999999999999999"};
		int			good = 1;

		for (size_t i = 0; i < sizeof(in_range) / sizeof(in_range[0]); i++)
		{
			PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
			MEMBER("duration_minutes", JSON_NUMBER, in_range[i], strlen(in_range[i]))};

			good &= strcmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out), "ok") == 0;
		}
		for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++)
		{
			PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
			MEMBER("duration_minutes", JSON_NUMBER, out_of_range[i], strlen(out_of_range[i]))};

			good &= strncmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out),
							"NUMBER_RANGE duration_minutes", 29) == 0;
		}
		ok(good, "duration_minutes from 0 to 1000000, exactly, whatever the digits");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		OBJECT("metadata", 65537, 1)};

		Expect(m, 3, PAYLOAD_CREATE, "TOO_LARGE metadata: field \"metadata\" is too large",
			   "metadata over 64 KiB");
		m[2].json_len = 65536;
		Expect(m, 3, PAYLOAD_CREATE, "ok", "metadata of exactly 64 KiB");
		m[2].depth = 33;
		Expect(m, 3, PAYLOAD_CREATE,
			   "TOO_DEEP metadata: field \"metadata\" is nested too deeply",
			   "metadata 33 levels deep");
		m[2].depth = 32;
		Expect(m, 3, PAYLOAD_CREATE, "ok", "metadata 32 levels deep");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		STR("due_date", "2026-02-30")};

		Expect(m, 3, PAYLOAD_CREATE,
			   "TIMESTAMP_RANGE due_date: field \"due_date\" is out of range",
			   "an impossible date");
		m[2].text = "tomorrow";
		m[2].text_len = 8;
		Expect(m, 3, PAYLOAD_CREATE,
			   "TIMESTAMP_SYNTAX due_date: field \"due_date\" is not an ISO 8601 timestamp",
			   "not a timestamp");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("activity_type", "task"),
		STR("company_id", "co")};

		ok(strcmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   out.activity_type == 4 && out.fields[FIELD_ACTIVITY_TYPE] == &m[1],
		   "a repeated key: the last one counts, as in jsonb");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		OF_KIND("contact_id", JSON_NULL)};

		Expect(m, 3, PAYLOAD_CREATE,
			   "NO_OWNER contact_id: field \"contact_id\" or \"company_id\" is required",
			   "a repeated key whose last value is null is absent");
	}

	/*
	 * The fields the server sets are no part of a new activity: the same
	 * error as any unknown key, whatever the value.
	 */
	{
		static const char *const server_set[] = {
			"id", "created_at", "updated_at", "version", "deleted_at", "via_company_ids",
			"workspace_id"
		};
		int			good = 1;

		for (size_t i = 0; i < sizeof(server_set) / sizeof(server_set[0]); i++)
		{
			PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
			STR("key", "2026-04-29T15:00:00Z")};
			char		want[200];

			m[2].key = server_set[i];
			m[2].key_len = strlen(server_set[i]);
			snprintf(want, sizeof(want),
					 "UNKNOWN_FIELD %s: unknown field \"%s\" in activity payload",
					 server_set[i], server_set[i]);
			good &= strcmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out), want) == 0;
			m[2].kind = JSON_NULL;
			m[2].text = NULL;
			m[2].text_len = 0;
			good &= strcmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out), want) == 0;
		}
		ok(good, "id, created_at, updated_at, version, deleted_at, via_company_ids, workspace_id (even null) are unknown in a new activity");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("version", "1")};
		ValidationError error;

		ok(!ValidatePayload(m, 2, PAYLOAD_CREATE, &utf8, &out, &error) &&
		   strcmp(error.detail, "Accepted fields are activity_type, contact_id, company_id, title, description, due_date, duration_minutes, completed_at, metadata, occurred_at, owner_id, contact_ids, company_ids.") == 0,
		   "the unknown field's detail lists the fields a new activity accepts");
	}
	{
		ValidationError error;

		ok(!ValidateIdParameter("contact_id", "", 0, &utf8, &error) &&
		   error.code == VALIDATION_EMPTY &&
		   strcmp(error.message, "parameter \"contact_id\" must not be empty") == 0,
		   "an empty id parameter");
		ok(ValidateIdParameter("contact_id", "c_1", 3, &utf8, &error), "a fine id parameter");
		ok(!ValidateIdParameter("company_id", xs, 256, &utf8, &error) &&
		   error.code == VALIDATION_TOO_LONG && strcmp(error.field, "company_id") == 0 &&
		   strcmp(error.message, "parameter \"company_id\" is too long") == 0 &&
		   ValidateIdParameter("company_id", xs, 255, &utf8, &error),
		   "an id parameter of 256 characters is too long, of 255 fine");
	}
}

static void
TestOwnerId(void)
{
	ValidatedPayload out;

	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
		STR("owner_id", "u_ana")};

		ok(strcmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   out.fields[FIELD_OWNER_ID] == &m[2],
		   "owner_id is accepted and lands at FIELD_OWNER_ID");
	}
	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
		STR("owner_id", "")};

		Expect(m, 3, PAYLOAD_CREATE, "EMPTY owner_id: field \"owner_id\" must not be empty",
			   "an empty owner_id");
	}
	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
		NUM("owner_id", "42")};

		Expect(m, 3, PAYLOAD_CREATE, "WRONG_TYPE owner_id: field \"owner_id\" must be a string",
			   "a number as owner_id");
		m[2].kind = JSON_OBJECT;
		m[2].text = NULL;
		m[2].text_len = 0;
		m[2].json_len = 2;
		m[2].depth = 1;
		Expect(m, 3, PAYLOAD_CREATE, "WRONG_TYPE owner_id: field \"owner_id\" must be a string",
			   "an object as owner_id");
	}
	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
		MEMBER("owner_id", JSON_STRING, xs, 256)};

		Expect(m, 3, PAYLOAD_CREATE, "TOO_LONG owner_id: field \"owner_id\" is too long",
			   "an owner_id of 256 characters");
		m[2].text_len = 255;
		Expect(m, 3, PAYLOAD_CREATE, "ok", "an owner_id of 255 characters");
		m[2].text = euros;
		m[2].text_len = 3 * 255;
		Expect(m, 3, PAYLOAD_CREATE, "ok",
			   "an owner_id of 255 three-byte characters (765 bytes)");
		m[2].text_len = 3 * 256;
		Expect(m, 3, PAYLOAD_CREATE, "TOO_LONG owner_id: field \"owner_id\" is too long",
			   "an owner_id of 256 three-byte characters");
	}
	{
		PayloadMember m[] = {STR("activity_type", "call"), MEMBER("owner_id", JSON_STRING, xs, 256)};
		ValidationError error;

		ok(!ValidatePayload(m, 2, PAYLOAD_CREATE, &utf8, &out, &error) &&
		   strcmp(error.detail, "It has 256 characters; the limit is 255.") == 0,
		   "a long owner_id's detail gives its length and the limit");
	}
	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
		OF_KIND("owner_id", JSON_NULL)};

		ok(strcmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   out.fields[FIELD_OWNER_ID] == NULL,
		   "a null owner_id in a new activity is absent");
	}
	{
		PayloadMember m[] = {STR("activity_type", "task"), STR("owner_id", "u_ana")};

		Expect(m, 2, PAYLOAD_CREATE,
			   "NO_OWNER contact_id: field \"contact_id\" or \"company_id\" is required",
			   "owner_id does not stand in for a contact or a company");
	}
	{
		PayloadMember m[] = {STR("activity_type", "task"), STR("owner_id", "")};

		Expect(m, 2, PAYLOAD_CREATE, "EMPTY owner_id: field \"owner_id\" must not be empty",
			   "owner_id is judged before the contact-or-company rule");
	}
	{
		PayloadMember m[] = {STR("owner_id", ""), STR("activity_type", "note"),
		STR("contact_id", "c"), STR("occurred_at", "yesterday")};

		Expect(m, 4, PAYLOAD_CREATE,
			   "TIMESTAMP_SYNTAX occurred_at: field \"occurred_at\" is not an ISO 8601 timestamp",
			   "owner_id is judged after occurred_at, as the description orders them");
	}
	{
		PayloadMember m[] = {STR("owner_id", "u_1"), STR("owner_id", "")};

		Expect(m, 2, PAYLOAD_PATCH, "EMPTY owner_id: field \"owner_id\" must not be empty",
			   "a patch's owner_id is judged as a new activity's (last one counts)");
	}
}

/* Like Expect, for an error: its verdict and its detail too */
static void
ExpectDetail(const PayloadMember *members, int count, PayloadMode mode,
			 const char *want, const char *want_detail, const char *what)
{
	ValidatedPayload out;
	ValidationError error;
	bool		valid = ValidatePayload(members, count, mode, &utf8, &out, &error);
	const char *got = Describe(valid, &error);
	int			same;

	same = strcmp(got, want) == 0 && !valid && strcmp(error.detail, want_detail) == 0;
	ok(same, what);
	if (!same)
		printf("# got:  %s (%s)\n# want: %s (%s)\n", got, valid ? "" : error.detail,
			   want, want_detail);
}

/* contact_ids and company_ids: arrays of at most 50 distinct ids */
static void
TestIdLists(void)
{
	ValidatedPayload out;

	{
		PayloadMember ids[] = {ESTR("c1"), ESTR("c2")};
		PayloadMember m[] = {STR("activity_type", "meeting"), ARRAY("contact_ids", ids, 2)};

		ok(strcmp(VerdictOf(m, 2, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   out.fields[FIELD_CONTACT_IDS] == &m[1] &&
		   OnlyFieldsSet(&out, FIELD_ACTIVITY_TYPE, FIELD_CONTACT_IDS, FIELD_COUNT),
		   "contact_ids alone is a new activity's contact, landing at FIELD_CONTACT_IDS");
	}
	{
		PayloadMember ids[] = {ESTR("co1")};
		PayloadMember m[] = {STR("activity_type", "note"), ARRAY("contact_ids", NULL, 0),
		ARRAY("company_ids", ids, 1)};

		ok(strcmp(VerdictOf(m, 3, PAYLOAD_CREATE, &out), "ok") == 0 &&
		   out.fields[FIELD_CONTACT_IDS] == &m[1] && out.fields[FIELD_COMPANY_IDS] == &m[2],
		   "company_ids alone is a new activity's company (an empty contact_ids is accepted)");
		m[2] = (PayloadMember) ARRAY("company_ids", NULL, 0);
		Expect(m, 3, PAYLOAD_CREATE,
			   "NO_OWNER contact_id: field \"contact_id\" or \"company_id\" is required",
			   "empty contact_ids and company_ids are no contact and no company");
		m[2] = (PayloadMember) STR("company_id", "co");
		Expect(m, 3, PAYLOAD_CREATE, "ok", "an empty contact_ids with a company_id");
		m[2] = (PayloadMember) OF_KIND("company_ids", JSON_NULL);
		Expect(m, 3, PAYLOAD_CREATE,
			   "NO_OWNER contact_id: field \"contact_id\" or \"company_id\" is required",
			   "a null company_ids is absent in a new activity");
	}
	{
		PayloadMember ids[] = {ESTR("c")};
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		ARRAY("contact_ids", ids, 1)};

		Expect(m, 3, PAYLOAD_CREATE, "ok",
			   "contact_id among contact_ids is fine (the primary is in the set)");
	}

	/* at most 50 ids; payload.c builds no elements for more */
	{
		PayloadMember ids[CLARKY_MAX_TAGS + 1];
		char		texts[CLARKY_MAX_TAGS + 1][8];
		PayloadMember m[] = {STR("activity_type", "call"), ARRAY("contact_ids", ids, 50)};

		for (int i = 0; i < CLARKY_MAX_TAGS + 1; i++)
		{
			int			n = snprintf(texts[i], sizeof(texts[i]), "c%d", i);

			ids[i] = (PayloadMember) ELEM(JSON_STRING, texts[i], (size_t) n);
		}
		Expect(m, 2, PAYLOAD_CREATE, "ok", "50 distinct contact_ids are accepted");
		m[1].element_count = 51;
		Expect(m, 2, PAYLOAD_CREATE,
			   "TOO_MANY contact_ids: field \"contact_ids\" has too many ids",
			   "51 distinct contact_ids are too many");
		m[1] = (PayloadMember) ARRAY("contact_ids", NULL, 51);
		ExpectDetail(m, 2, PAYLOAD_CREATE,
					 "TOO_MANY contact_ids: field \"contact_ids\" has too many ids",
					 "It has 51; the limit is 50.",
					 "51 contact_ids are too many (judged without their elements)");
		m[1] = (PayloadMember) ARRAY("company_ids", NULL, 1000);
		ExpectDetail(m, 2, PAYLOAD_PATCH,
					 "TOO_MANY company_ids: field \"company_ids\" has too many ids",
					 "It has 1000; the limit is 50.", "a patch's 1000 company_ids are too many");
	}

	/* each element an id; errors name it, counting from 0 */
	{
		PayloadMember ids[] = {ESTR("a"), ESTR("b"), ESTR("c"), ELEM(JSON_NUMBER, "7", 1)};
		PayloadMember m[] = {STR("activity_type", "note"), ARRAY("contact_ids", ids, 4)};

		ExpectDetail(m, 2, PAYLOAD_CREATE,
					 "WRONG_TYPE contact_ids[3]: field \"contact_ids[3]\" must be a string",
					 "Got a JSON number.", "a number among contact_ids is named contact_ids[3]");
		ids[3] = (PayloadMember) ELEM(JSON_NULL, NULL, 0);
		ExpectDetail(m, 2, PAYLOAD_CREATE,
					 "WRONG_TYPE contact_ids[3]: field \"contact_ids[3]\" must be a string",
					 "Got a JSON null.", "a null element is not an id");
		ids[3] = (PayloadMember) ELEM(JSON_ARRAY, NULL, 0);
		Expect(m, 2, PAYLOAD_CREATE,
			   "WRONG_TYPE contact_ids[3]: field \"contact_ids[3]\" must be a string",
			   "a nested array is not an id");
		ids[3] = (PayloadMember) ESTR("");
		Expect(m, 2, PAYLOAD_CREATE,
			   "EMPTY contact_ids[3]: field \"contact_ids[3]\" must not be empty",
			   "an empty element");
		ids[1] = (PayloadMember) ELEM(JSON_BOOL, NULL, 0);
		Expect(m, 2, PAYLOAD_CREATE,
			   "WRONG_TYPE contact_ids[1]: field \"contact_ids[1]\" must be a string",
			   "the first bad element is named");
	}
	{
		PayloadMember ids[] = {ESTR("c"), ELEM(JSON_STRING, xs, 256)};
		PayloadMember m[] = {STR("activity_type", "note"), ARRAY("company_ids", ids, 2)};

		ExpectDetail(m, 2, PAYLOAD_CREATE,
					 "TOO_LONG company_ids[1]: field \"company_ids[1]\" is too long",
					 "It has 256 characters; the limit is 255.",
					 "an element of 256 characters is too long");
		ids[1].text_len = 255;
		Expect(m, 2, PAYLOAD_CREATE, "ok", "an element of 255 characters is fine");
		ids[1].text = euros;
		ids[1].text_len = 3 * 255;
		Expect(m, 2, PAYLOAD_CREATE, "ok",
			   "an element of 255 three-byte characters is fine (characters, not bytes)");
		ids[1].text_len = 3 * 256;
		Expect(m, 2, PAYLOAD_CREATE,
			   "TOO_LONG company_ids[1]: field \"company_ids[1]\" is too long",
			   "an element of 256 three-byte characters is too long");
	}

	/* distinct ids */
	{
		PayloadMember ids[] = {ESTR("a"), ESTR("b"), ESTR("a"), ESTR("b")};
		PayloadMember m[] = {STR("activity_type", "note"), ARRAY("contact_ids", ids, 4)};

		ExpectDetail(m, 2, PAYLOAD_CREATE,
					 "DUPLICATE contact_ids[2]: field \"contact_ids[2]\" repeats contact_ids[0]",
					 "Got \"a\" twice; the ids of a list are distinct.",
					 "a repeated id names the element and the one it repeats");
		ids[2] = (PayloadMember) ESTR("A");
		Expect(m, 2, PAYLOAD_CREATE,
			   "DUPLICATE contact_ids[3]: field \"contact_ids[3]\" repeats contact_ids[1]",
			   "ids are compared exactly (\"A\" is not \"a\")");
		ids[2] = (PayloadMember) ESTR("ab");
		ids[3] = (PayloadMember) ESTR("a\0");
		ids[3].text_len = 1;
		Expect(m, 2, PAYLOAD_CREATE,
			   "DUPLICATE contact_ids[3]: field \"contact_ids[3]\" repeats contact_ids[0]",
			   "ids are compared by their length's bytes (\"ab\" is not \"a\", \"a\" is)");
	}
	{
		PayloadMember ids[] = {ESTR("a"), ESTR("a"), ESTR("")};
		PayloadMember m[] = {STR("activity_type", "note"), ARRAY("company_ids", ids, 3)};

		Expect(m, 2, PAYLOAD_CREATE,
			   "DUPLICATE company_ids[1]: field \"company_ids[1]\" repeats company_ids[0]",
			   "elements are judged in order: a repeat before a later empty one");
	}
	{
		char		long_id[300];
		PayloadMember ids[] = {ELEM(JSON_STRING, long_id, 200), ELEM(JSON_STRING, long_id, 200)};
		PayloadMember m[] = {STR("activity_type", "note"), ARRAY("contact_ids", ids, 2)};
		ValidationError error;

		memset(long_id, 'y', sizeof(long_id));
		ok(!ValidatePayload(m, 2, PAYLOAD_CREATE, &utf8, &out, &error) &&
		   error.code == VALIDATION_DUPLICATE &&
		   strncmp(error.detail, "Got \"yyyy", 9) == 0 &&
		   strstr(error.detail, "\"... twice;") != NULL &&
		   strlen(error.detail) == strlen("Got \"\"... twice; the ids of a list are distinct.") + 100,
		   "a repeated long id is quoted by its first 100 bytes");
	}

	/* the list's own type */
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_ids", "c1")};

		ExpectDetail(m, 2, PAYLOAD_CREATE,
					 "WRONG_TYPE contact_ids: field \"contact_ids\" must be an array of ids",
					 "Got a JSON string.", "a string is not an array of ids");
		m[1] = (PayloadMember) OBJECT("company_ids", 2, 1);
		Expect(m, 2, PAYLOAD_CREATE,
			   "WRONG_TYPE company_ids: field \"company_ids\" must be an array of ids",
			   "an object is not an array of ids");
	}

	/* the order of judging: after owner_id, contact_ids before company_ids */
	{
		PayloadMember bad[] = {ESTR("")};
		PayloadMember m[] = {ARRAY("company_ids", bad, 1), ARRAY("contact_ids", bad, 1),
		STR("owner_id", ""), STR("activity_type", "note")};

		Expect(m, 4, PAYLOAD_CREATE, "EMPTY owner_id: field \"owner_id\" must not be empty",
			   "owner_id is judged before the id lists");
		m[2] = (PayloadMember) STR("owner_id", "u");
		Expect(m, 4, PAYLOAD_CREATE,
			   "EMPTY contact_ids[0]: field \"contact_ids[0]\" must not be empty",
			   "contact_ids is judged before company_ids, wherever they come");
		m[1] = (PayloadMember) STR("title", "t");
		Expect(m, 4, PAYLOAD_CREATE,
			   "EMPTY company_ids[0]: field \"company_ids[0]\" must not be empty",
			   "an id list's error comes before the contact-or-company rule");
	}

	/* patches */
	{
		PayloadMember ids[] = {ESTR("c9"), ESTR("c1")};
		PayloadMember m[] = {ARRAY("contact_ids", ids, 2), OF_KIND("company_ids", JSON_NULL)};

		ok(strcmp(VerdictOf(m, 2, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_CONTACT_IDS] == &m[0] && out.fields[FIELD_COMPANY_IDS] == &m[1] &&
		   out.fields[FIELD_COMPANY_IDS]->kind == JSON_NULL &&
		   OnlyFieldsSet(&out, FIELD_CONTACT_IDS, FIELD_COMPANY_IDS, FIELD_COUNT),
		   "a patch replaces contact_ids and clears company_ids (null kept)");
		m[1] = (PayloadMember) ARRAY("company_ids", NULL, 0);
		ok(strcmp(VerdictOf(m, 2, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_COMPANY_IDS] == &m[1],
		   "a patch's empty company_ids is accepted (it clears them)");
		ids[1] = (PayloadMember) ESTR("c9");
		Expect(m, 2, PAYLOAD_PATCH,
			   "DUPLICATE contact_ids[1]: field \"contact_ids[1]\" repeats contact_ids[0]",
			   "a patch's contact_ids are distinct");
		ids[1] = (PayloadMember) ELEM(JSON_NUMBER, "1", 1);
		Expect(m, 2, PAYLOAD_PATCH,
			   "WRONG_TYPE contact_ids[1]: field \"contact_ids[1]\" must be a string",
			   "a patch's elements are ids");
	}

	/* via_company_ids is the server's alone: unknown to payloads and patches */
	{
		PayloadMember ids[] = {ESTR("co")};
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		ARRAY("via_company_ids", ids, 1)};

		Expect(m, 3, PAYLOAD_CREATE,
			   "UNKNOWN_FIELD via_company_ids: unknown field \"via_company_ids\" in activity payload",
			   "via_company_ids is an unknown field in a new activity");
		Expect(&m[2], 1, PAYLOAD_PATCH,
			   "UNKNOWN_FIELD via_company_ids: unknown field \"via_company_ids\" in activity patch",
			   "and in a patch (unknown, not unchangeable: it is no key of the object)");
		m[2] = (PayloadMember) OF_KIND("via_company_ids", JSON_NULL);
		Expect(&m[2], 1, PAYLOAD_PATCH,
			   "UNKNOWN_FIELD via_company_ids: unknown field \"via_company_ids\" in activity patch",
			   "even null");
	}

	/* the count with the primary (links.c), and the primary's field */
	{
		ValidationError error;

		ok(ValidateTagCount(FIELD_CONTACT_IDS, 50, &error) &&
		   ValidateTagCount(FIELD_COMPANY_IDS, 0, &error),
		   "ValidateTagCount: 50 ids with the primary are within the limit");
		ok(!ValidateTagCount(FIELD_CONTACT_IDS, 51, &error) &&
		   error.code == VALIDATION_TOO_MANY && strcmp(error.field, "contact_ids") == 0 &&
		   strcmp(error.message, "field \"contact_ids\" has too many ids") == 0 &&
		   strcmp(error.detail, "It has 51, with contact_id; the limit is 50.") == 0,
		   "ValidateTagCount: 51 with contact_id are too many, naming contact_ids");
		ok(!ValidateTagCount(FIELD_COMPANY_IDS, 51, &error) &&
		   strcmp(error.field, "company_ids") == 0 &&
		   strcmp(error.detail, "It has 51, with company_id; the limit is 50.") == 0,
		   "ValidateTagCount: and with company_id, naming company_ids");
		ok(ListPrimary(FIELD_CONTACT_IDS) == FIELD_CONTACT_ID &&
		   ListPrimary(FIELD_COMPANY_IDS) == FIELD_COMPANY_ID &&
		   ListPrimary(FIELD_VIA_COMPANY_IDS) == FIELD_COUNT &&
		   ListPrimary(FIELD_CONTACT_ID) == FIELD_COUNT,
		   "ListPrimary: contact_ids' is contact_id, company_ids' company_id, none else");
	}
}

static void
TestValidatePatch(void)
{
	ValidatedPayload out;

	{
		ok(strcmp(VerdictOf(NULL, 0, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   OnlyFieldsSet(&out, FIELD_COUNT),
		   "an empty patch is valid and sets nothing");
		Expect(NULL, 0, PAYLOAD_CREATE,
			   "REQUIRED activity_type: field \"activity_type\" is required",
			   "while an empty new activity lacks activity_type");
	}
	{
		PayloadMember m[] = {STR("title", "Follow-up booked")};

		ok(strcmp(VerdictOf(m, 1, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_TITLE] == &m[0] && OnlyFieldsSet(&out, FIELD_TITLE, FIELD_COUNT),
		   "a patch needs no activity_type and no contact or company");
	}
	{
		PayloadMember m[] = {OF_KIND("contact_id", JSON_NULL), OF_KIND("company_id", JSON_NULL)};

		ok(strcmp(VerdictOf(m, 2, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_CONTACT_ID] == &m[0] && out.fields[FIELD_COMPANY_ID] == &m[1],
		   "a patch clearing both contact and company passes (the rule is the caller's, on the patched activity)");
	}
	{
		PayloadMember m[] = {OF_KIND("title", JSON_NULL), STR("description", "d")};

		ok(strcmp(VerdictOf(m, 2, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_TITLE] == &m[0] && out.fields[FIELD_TITLE]->kind == JSON_NULL &&
		   out.fields[FIELD_DESCRIPTION] == &m[1] &&
		   OnlyFieldsSet(&out, FIELD_TITLE, FIELD_DESCRIPTION, FIELD_COUNT),
		   "absent and null differ in a patch: null is kept (JSON_NULL), absent is NULL");
	}

	/* Every field a patch may clear keeps its null member */
	{
		static const struct
		{
			const char *name;
			ClarkyField field;
		}			clearable[] = {
			{"contact_id", FIELD_CONTACT_ID},
			{"company_id", FIELD_COMPANY_ID},
			{"title", FIELD_TITLE},
			{"description", FIELD_DESCRIPTION},
			{"due_date", FIELD_DUE_DATE},
			{"duration_minutes", FIELD_DURATION_MINUTES},
			{"completed_at", FIELD_COMPLETED_AT},
			{"metadata", FIELD_METADATA},
			{"owner_id", FIELD_OWNER_ID},
			{"contact_ids", FIELD_CONTACT_IDS},
			{"company_ids", FIELD_COMPANY_IDS},
		};

		for (size_t i = 0; i < sizeof(clearable) / sizeof(clearable[0]); i++)
		{
			PayloadMember m[] = {OF_KIND("key", JSON_NULL)};
			char		what[128];

			m[0].key = clearable[i].name;
			m[0].key_len = strlen(clearable[i].name);
			snprintf(what, sizeof(what), "a patch's null %s is kept as a JSON_NULL member",
					 clearable[i].name);
			ok(strcmp(VerdictOf(m, 1, PAYLOAD_PATCH, &out), "ok") == 0 &&
			   out.fields[clearable[i].field] == &m[0] &&
			   out.fields[clearable[i].field]->kind == JSON_NULL &&
			   OnlyFieldsSet(&out, clearable[i].field, FIELD_COUNT), what);
		}
	}
	{
		PayloadMember m[] = {STR("title", "a"), OF_KIND("title", JSON_NULL)};

		ok(strcmp(VerdictOf(m, 2, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_TITLE] == &m[1],
		   "a patch's repeated key: a last null clears");
		m[0] = (PayloadMember) OF_KIND("title", JSON_NULL);
		m[1] = (PayloadMember) STR("title", "a");
		ok(strcmp(VerdictOf(m, 2, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_TITLE] == &m[1],
		   "a patch's repeated key: a last value sets");
	}

	/* activity_type and occurred_at cannot be cleared */
	{
		PayloadMember m[] = {OF_KIND("activity_type", JSON_NULL)};
		ValidationError error;

		ok(!ValidatePayload(m, 1, PAYLOAD_PATCH, &utf8, &out, &error) &&
		   error.code == VALIDATION_NOT_NULL &&
		   strcmp(error.field, "activity_type") == 0 &&
		   strcmp(error.message, "field \"activity_type\" cannot be cleared") == 0 &&
		   error.detail[0] != '\0',
		   "a patch cannot clear activity_type: VALIDATION_NOT_NULL naming it");
	}
	{
		PayloadMember m[] = {STR("title", "t"), OF_KIND("occurred_at", JSON_NULL)};

		Expect(m, 2, PAYLOAD_PATCH,
			   "NOT_NULL occurred_at: field \"occurred_at\" cannot be cleared",
			   "a patch cannot clear occurred_at");
	}
	{
		PayloadMember m[] = {OF_KIND("title", JSON_BOOL), OF_KIND("activity_type", JSON_NULL)};

		Expect(m, 2, PAYLOAD_PATCH,
			   "NOT_NULL activity_type: field \"activity_type\" cannot be cleared",
			   "clearing activity_type is found first, as activity_type is judged first");
	}
	{
		PayloadMember m[] = {OF_KIND("occurred_at", JSON_NULL), OF_KIND("title", JSON_BOOL)};

		Expect(m, 2, PAYLOAD_PATCH, "WRONG_TYPE title: field \"title\" must be a string",
			   "clearing occurred_at is found at its place in the description's order (after title)");
		m[1] = (PayloadMember) STR("owner_id", "");
		Expect(m, 2, PAYLOAD_PATCH,
			   "NOT_NULL occurred_at: field \"occurred_at\" cannot be cleared",
			   "and before owner_id");
	}
	{
		PayloadMember m[] = {OF_KIND("activity_type", JSON_NULL), STR("activity_type", "todo"),
			STR("occurred_at", "2026-04-29T15:00:00Z"), OF_KIND("occurred_at", JSON_NULL),
		STR("occurred_at", "2026-04-29T15:00:00Z")};

		ok(strcmp(VerdictOf(m, 5, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.fields[FIELD_ACTIVITY_TYPE] == &m[1] && out.activity_type == 5 &&
		   out.fields[FIELD_OCCURRED_AT] == &m[4] &&
		   out.usec[FIELD_OCCURRED_AT] == USEC_2026_04_29_1500,
		   "a null followed by a value of the same key replaces, it does not clear");
	}

	/* The fields the server sets cannot be changed, whatever the value */
	{
		static const char *const fixed[] = {
			"id", "created_at", "updated_at", "version", "deleted_at", "workspace_id"
		};

		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		{
			static const PayloadMember values[] = {
				STR("", "a_01M8B29JFM1SZ5D4X6ZC2B1B6V"), NUM("", "2"),
				OF_KIND("", JSON_NULL), STR("", "2026-04-29T15:00:00.000Z"),
			};
			char		want[200];
			char		what[160];
			int			good = 1;

			snprintf(want, sizeof(want), "FIXED %s: field \"%s\" cannot be changed",
					 fixed[i], fixed[i]);
			for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++)
			{
				PayloadMember m[] = {STR("title", "t"), values[v]};
				ValidationError error;
				bool		valid;

				m[1].key = fixed[i];
				m[1].key_len = strlen(fixed[i]);
				valid = ValidatePayload(m, 2, PAYLOAD_PATCH, &utf8, &out, &error);
				good &= strcmp(Describe(valid, &error), want) == 0 &&
					strcmp(error.detail, "It is set by the server.") == 0;
			}
			snprintf(what, sizeof(what),
					 "a patch of %s (string, number, null or timestamp) is VALIDATION_FIXED naming it",
					 fixed[i]);
			ok(good, what);
		}
	}
	{
		PayloadMember m[] = {OF_KIND("title", JSON_BOOL), OF_KIND("activity_type", JSON_NULL),
		NUM("version", "3")};

		Expect(m, 3, PAYLOAD_PATCH, "FIXED version: field \"version\" cannot be changed",
			   "an unchangeable key is found before any field's value is judged");
	}
	{
		PayloadMember m[] = {STR("contactId", "c"), NUM("version", "3")};

		Expect(m, 2, PAYLOAD_PATCH,
			   "UNKNOWN_FIELD contactId: unknown field \"contactId\" in activity patch",
			   "unknown and unchangeable keys are found in the members' order (unknown first)");
		m[0] = (PayloadMember) NUM("version", "3");
		m[1] = (PayloadMember) STR("contactId", "c");
		Expect(m, 2, PAYLOAD_PATCH, "FIXED version: field \"version\" cannot be changed",
			   "unknown and unchangeable keys are found in the members' order (unchangeable first)");
	}

	/* Unknown keys */
	{
		PayloadMember m[] = {STR("title", "t"), OF_KIND("foo", JSON_NULL)};
		ValidationError error;

		ok(!ValidatePayload(m, 2, PAYLOAD_PATCH, &utf8, &out, &error) &&
		   error.code == VALIDATION_UNKNOWN_FIELD && strcmp(error.field, "foo") == 0 &&
		   strcmp(error.message, "unknown field \"foo\" in activity patch") == 0 &&
		   strcmp(error.detail, "Accepted fields are activity_type, contact_id, company_id, title, description, due_date, duration_minutes, completed_at, metadata, occurred_at, owner_id, contact_ids, company_ids.") == 0,
		   "an unknown patch key is named, with the fields a patch accepts");
	}
	{
		PayloadMember m[] = {STR("Title", "t")};

		Expect(m, 1, PAYLOAD_PATCH, "UNKNOWN_FIELD Title: unknown field \"Title\" in activity patch",
			   "patch keys are case-sensitive");
		m[0] = (PayloadMember) STR("workspace", "ws");
		Expect(m, 1, PAYLOAD_PATCH,
			   "UNKNOWN_FIELD workspace: unknown field \"workspace\" in activity patch",
			   "only the whole key workspace_id is unchangeable");
	}

	/* A patch's values are judged exactly as a new activity's */
	{
		static const struct
		{
			PayloadMember m;
			const char *want;
		}			cases[] = {
			{STR("activity_type", "phone"), "NOT_A_CHOICE activity_type: field \"activity_type\" must be one of note, call, meeting, video_call, task, todo, reminder"},
			{STR("activity_type", "Note"), "NOT_A_CHOICE activity_type: field \"activity_type\" must be one of note, call, meeting, video_call, task, todo, reminder"},
			{NUM("activity_type", "1"), "WRONG_TYPE activity_type: field \"activity_type\" must be a string"},
			{STR("contact_id", ""), "EMPTY contact_id: field \"contact_id\" must not be empty"},
			{MEMBER("contact_id", JSON_STRING, xs, 256), "TOO_LONG contact_id: field \"contact_id\" is too long"},
			{NUM("company_id", "7"), "WRONG_TYPE company_id: field \"company_id\" must be a string"},
			{STR("company_id", ""), "EMPTY company_id: field \"company_id\" must not be empty"},
			{MEMBER("title", JSON_STRING, xs, 1001), "TOO_LONG title: field \"title\" is too long"},
			{MEMBER("description", JSON_STRING, xs, 100001), "TOO_LONG description: field \"description\" is too long"},
			{OF_KIND("description", JSON_ARRAY), "WRONG_TYPE description: field \"description\" must be a string"},
			{STR("due_date", "tomorrow"), "TIMESTAMP_SYNTAX due_date: field \"due_date\" is not an ISO 8601 timestamp"},
			{STR("due_date", "2026-01-01T10:00:00"), "TIMESTAMP_SYNTAX due_date: field \"due_date\" is not an ISO 8601 timestamp"},
			{STR("completed_at", "2026-02-30"), "TIMESTAMP_RANGE completed_at: field \"completed_at\" is out of range"},
			{NUM("occurred_at", "20260101"), "WRONG_TYPE occurred_at: field \"occurred_at\" must be an ISO 8601 timestamp string"},
			{STR("occurred_at", "2026-12-31T23:59:60Z"), "TIMESTAMP_RANGE occurred_at: field \"occurred_at\" is out of range"},
			{NUM("duration_minutes", "-1"), "NUMBER_RANGE duration_minutes: field \"duration_minutes\" must be between 0 and 1000000"},
			{NUM("duration_minutes", "1000000.001"), "NUMBER_RANGE duration_minutes: field \"duration_minutes\" must be between 0 and 1000000"},
			{STR("duration_minutes", "32"), "WRONG_TYPE duration_minutes: field \"duration_minutes\" must be a number"},
			{OF_KIND("metadata", JSON_ARRAY), "WRONG_TYPE metadata: field \"metadata\" must be a JSON object"},
			{OBJECT("metadata", 65537, 1), "TOO_LARGE metadata: field \"metadata\" is too large"},
			{OBJECT("metadata", 100, 33), "TOO_DEEP metadata: field \"metadata\" is nested too deeply"},
			{STR("owner_id", ""), "EMPTY owner_id: field \"owner_id\" must not be empty"},
			{MEMBER("owner_id", JSON_STRING, xs, 256), "TOO_LONG owner_id: field \"owner_id\" is too long"},
			{OF_KIND("owner_id", JSON_BOOL), "WRONG_TYPE owner_id: field \"owner_id\" must be a string"},
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		{
			/* the case last: of a repeated key, the last one counts */
			PayloadMember create[] = {STR("activity_type", "note"), STR("contact_id", "c"),
			cases[i].m};
			ValidationError create_error;
			ValidationError patch_error;
			bool		create_valid;
			bool		patch_valid;
			char		create_verdict[600];
			char		what[200];
			bool		same;

			memset(&create_error, 0, sizeof(create_error));
			memset(&patch_error, 0, sizeof(patch_error));
			create_valid = ValidatePayload(create, 3, PAYLOAD_CREATE, &utf8, &out, &create_error);
			snprintf(create_verdict, sizeof(create_verdict), "%s",
					 Describe(create_valid, &create_error));
			patch_valid = ValidatePayload(&cases[i].m, 1, PAYLOAD_PATCH, &utf8, &out, &patch_error);
			same = strcmp(create_verdict, cases[i].want) == 0 &&
				strcmp(Describe(patch_valid, &patch_error), cases[i].want) == 0 &&
				strcmp(create_error.detail, patch_error.detail) == 0 &&
				strcmp(create_error.hint, patch_error.hint) == 0;
			snprintf(what, sizeof(what), "a patch's %s is judged as a new activity's: %.*s",
					 cases[i].m.key, (int) strcspn(cases[i].want, " "), cases[i].want);
			ok(same, what);
			if (!same)
				printf("# create: %s\n# patch:  %s\n# want:   %s\n", create_verdict,
					   Describe(patch_valid, &patch_error), cases[i].want);
		}
	}
	{
		PayloadMember m[] = {STR("activity_type", "task"),
			STR("due_date", "2026-05-06T19:00:00+02:00"), NUM("duration_minutes", "1000000"),
			STR("owner_id", "u_ana"), STR("company_id", "co"),
		OBJECT("metadata", 65536, 32)};

		ok(strcmp(VerdictOf(m, 6, PAYLOAD_PATCH, &out), "ok") == 0 &&
		   out.activity_type == 4 && out.usec[FIELD_DUE_DATE] == USEC_2026_05_06_1700 &&
		   out.fields[FIELD_ACTIVITY_TYPE] == &m[0] && out.fields[FIELD_DUE_DATE] == &m[1] &&
		   out.fields[FIELD_DURATION_MINUTES] == &m[2] && out.fields[FIELD_OWNER_ID] == &m[3] &&
		   out.fields[FIELD_COMPANY_ID] == &m[4] && out.fields[FIELD_METADATA] == &m[5] &&
		   OnlyFieldsSet(&out, FIELD_ACTIVITY_TYPE, FIELD_DUE_DATE, FIELD_DURATION_MINUTES,
						 FIELD_OWNER_ID, FIELD_COMPANY_ID, FIELD_METADATA, FIELD_COUNT),
		   "a patch's values at their limits are accepted, its type and timestamp decoded");
	}
}

static void
TestHelpers(void)
{
	ValidationError error;

	ok(ValidateContactOrCompany(true, false, &error) &&
	   ValidateContactOrCompany(false, true, &error) &&
	   ValidateContactOrCompany(true, true, &error),
	   "ValidateContactOrCompany: a contact, a company or both");
	ok(!ValidateContactOrCompany(false, false, &error) &&
	   error.code == VALIDATION_NO_OWNER && strcmp(error.field, "contact_id") == 0 &&
	   strcmp(error.message, "field \"contact_id\" or \"company_id\" is required") == 0,
	   "ValidateContactOrCompany: neither is VALIDATION_NO_OWNER naming contact_id");

	ok(ValidateMetadataSize(65536, 32, &error) && ValidateMetadataSize(0, 1, &error),
	   "ValidateMetadataSize: 64 KiB, 32 levels are within the limits");
	ok(!ValidateMetadataSize(65537, 1, &error) && error.code == VALIDATION_TOO_LARGE &&
	   strcmp(error.field, "metadata") == 0 &&
	   strcmp(error.detail, "It has 65537 bytes as JSON text; the limit is 65536.") == 0,
	   "ValidateMetadataSize: 65537 bytes are too large");
	ok(!ValidateMetadataSize(2, 33, &error) && error.code == VALIDATION_TOO_DEEP &&
	   strcmp(error.field, "metadata") == 0,
	   "ValidateMetadataSize: 33 levels are too deep");
	ok(!ValidateMetadataSize(65537, 33, &error) && error.code == VALIDATION_TOO_LARGE,
	   "ValidateMetadataSize: the size is judged before the depth");

	ok(FieldIndex("owner_id", 8) == FIELD_OWNER_ID && FieldIndex("id", 2) == FIELD_ID &&
	   FieldIndex("deleted_at", 10) == FIELD_DELETED_AT,
	   "FieldIndex finds a field by its name");
	ok(FieldIndex("owner_id_x", 8) == FIELD_OWNER_ID && FieldIndex("owner_id", 7) == FIELD_COUNT &&
	   FieldIndex("", 0) == FIELD_COUNT && FieldIndex("workspace_id", 12) == FIELD_COUNT &&
	   FieldIndex("ID", 2) == FIELD_COUNT,
	   "FieldIndex reads exactly len bytes, and knows no other key");
	ok(ActivityTypeIndex("reminder", 8) == 6 && ActivityTypeIndex("note", 4) == 0 &&
	   ActivityTypeIndex("Note", 4) == -1 && ActivityTypeIndex("notes", 5) == -1,
	   "ActivityTypeIndex");
}

/* ---------- the field descriptions against the README ---------- */

#define MAX_NAMES 40
#define NAME_LEN 64

typedef struct NameList
{
	int			count;
	char		names[MAX_NAMES][NAME_LEN];
} NameList;

static void
AddName(NameList *list, const char *name, size_t len)
{
	if (list->count < MAX_NAMES && len < NAME_LEN)
	{
		memcpy(list->names[list->count], name, len);
		list->names[list->count][len] = '\0';
		list->count++;
	}
}

static bool
SameNames(const NameList *a, const NameList *b)
{
	if (a->count != b->count)
		return false;
	for (int i = 0; i < a->count; i++)
		if (strcmp(a->names[i], b->names[i]) != 0)
			return false;
	return true;
}

static void
PrintNames(const char *label, const NameList *list)
{
	printf("# %s:", label);
	for (int i = 0; i < list->count; i++)
		printf(" %s", list->names[i]);
	printf("\n");
}

static void
ExpectNames(const NameList *readme, const NameList *fields, const char *what)
{
	bool		same = readme->count > 0 && SameNames(readme, fields);

	ok(same, what);
	if (!same)
	{
		PrintNames("README", readme);
		PrintNames("ClarkyFields", fields);
	}
}

/* The whole file, NUL-terminated, or NULL */
static char *
ReadWholeFile(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	char	   *chars;
	long		size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
		(chars = malloc((size_t) size + 1)) == NULL)
	{
		fclose(f);
		return NULL;
	}
	if (fread(chars, 1, (size_t) size, f) != (size_t) size)
	{
		free(chars);
		fclose(f);
		return NULL;
	}
	chars[size] = '\0';
	fclose(f);
	return chars;
}

/* The chars with every run of white space made one space: prose, unwrapped */
static char *
Unwrapped(const char *chars)
{
	char	   *out = malloc(strlen(chars) + 1);
	size_t		n = 0;

	if (out == NULL)
		abort();
	for (const char *p = chars; *p; p++)
	{
		bool		space = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';

		if (!space)
			out[n++] = *p;
		else if (n > 0 && out[n - 1] != ' ')
			out[n++] = ' ';
	}
	out[n] = '\0';
	return out;
}

/*
 * The `quoted` names in chars after the first "from" and before the next
 * "to", but for those in skip; false if either marker is missing.
 */
static bool
QuotedNamesBetween(const char *chars, const char *from, const char *to,
				   const char *skip, NameList *list)
{
	const char *start = strstr(chars, from);
	const char *end;

	list->count = 0;
	if (start == NULL)
		return false;
	start += strlen(from);
	end = strstr(start, to);
	if (end == NULL)
		return false;
	for (const char *p = start; p < end; p++)
	{
		const char *close;

		if (*p != '`')
			continue;
		close = memchr(p + 1, '`', (size_t) (end - (p + 1)));
		if (close == NULL)
			break;
		if (skip == NULL || strlen(skip) != (size_t) (close - p - 1) ||
			memcmp(skip, p + 1, (size_t) (close - p - 1)) != 0)
			AddName(list, p + 1, (size_t) (close - p - 1));
		p = close;
	}
	return true;
}

/* The first `quoted` name of each row of the table after the line "heading" */
static bool
TableFirstColumn(const char *chars, const char *heading, NameList *list)
{
	const char *p = strstr(chars, heading);
	bool		in_table = false;

	list->count = 0;
	if (p == NULL)
		return false;
	p = strchr(p, '\n');
	while (p != NULL && *p)
	{
		const char *line = p + 1;
		const char *eol = strchr(line, '\n');

		if (eol == NULL)
			eol = line + strlen(line);
		if (line[0] == '|')
		{
			in_table = true;
			if (strncmp(line, "| `", 3) == 0)
			{
				const char *close = memchr(line + 3, '`', (size_t) (eol - line - 3));

				if (close != NULL)
					AddName(list, line + 3, (size_t) (close - line - 3));
			}
		}
		else if (in_table)
			break;
		p = *eol ? eol : NULL;
	}
	return in_table;
}

/*
 * The names of the fields for which keep() holds, in the description's order
 * or, with judged_order, in the order they are judged (activity_type first)
 */
static void
FieldNames(NameList *list, bool (*keep) (int field), bool judged_order)
{
	list->count = 0;
	if (judged_order && keep(FIELD_ACTIVITY_TYPE))
		AddName(list, ClarkyFields[FIELD_ACTIVITY_TYPE].name,
				strlen(ClarkyFields[FIELD_ACTIVITY_TYPE].name));
	for (int i = 0; i < FIELD_COUNT; i++)
		if (keep(i) && !(judged_order && i == FIELD_ACTIVITY_TYPE))
			AddName(list, ClarkyFields[i].name, strlen(ClarkyFields[i].name));
}

static bool
Rendered(int field)
{
	return ClarkyFields[field].rendered != RENDER_NEVER;
}

static bool
InNewActivity(int field)
{
	return ClarkyFields[field].on_create != FIELD_SERVER;
}

static bool
NotClearable(int field)
{
	return ClarkyFields[field].on_patch == FIELD_NOT_NULL;
}

/* a patch naming it is refused as unchangeable (one never rendered is unknown) */
static bool
Unchangeable(int field)
{
	return ClarkyFields[field].on_patch == FIELD_FIXED && Rendered(field);
}

static void
TestFieldDescriptions(const char *readme_path)
{
	/* the README's fields, written out again */
	static const char *const names[] = {
		"id", "contact_id", "company_id", "activity_type", "title", "description",
		"due_date", "duration_minutes", "completed_at", "metadata", "created_at",
		"occurred_at", "owner_id", "updated_at", "version", "deleted_at",
		"contact_ids", "company_ids", "via_company_ids"
	};
	char	   *raw = ReadWholeFile(readme_path);
	char	   *prose;
	NameList	readme;
	NameList	fields;
	bool		good;

	good = FIELD_COUNT == sizeof(names) / sizeof(names[0]);
	for (int i = 0; good && i < FIELD_COUNT; i++)
		good = strcmp(ClarkyFields[i].name, names[i]) == 0;
	ok(good, "ClarkyFields lists the nineteen fields in the Activity object's order, then via_company_ids");

	good = true;
	for (int i = 0; i < FIELD_COUNT; i++)
		good &= FieldIndex(ClarkyFields[i].name, strlen(ClarkyFields[i].name)) ==
			(ClarkyFields[i].rendered == RENDER_NEVER ? FIELD_COUNT : (ClarkyField) i);
	ok(good && FieldIndex("via_company_ids", 15) == FIELD_COUNT,
	   "FieldIndex finds every field by its name but the one never rendered (via_company_ids)");

	good = true;
	for (int i = 0; i < FIELD_COUNT; i++)
	{
		const char *column = ClarkyFields[i].name;

		if (i == FIELD_CONTACT_IDS)
			column = "other_contact_ids";
		else if (i == FIELD_COMPANY_IDS)
			column = "other_company_ids";
		good &= strcmp(ClarkyFields[i].column, column) == 0;
	}
	ok(good, "each field's column is its name, but contact_ids' and company_ids' (other_contact_ids, other_company_ids)");

	good = true;
	for (int i = 0; i < FIELD_COUNT; i++)
		good &= (ClarkyFields[i].on_create == FIELD_REQUIRED) == (i == FIELD_ACTIVITY_TYPE) &&
			(ClarkyFields[i].on_patch == FIELD_MERGED) == (i == FIELD_METADATA) &&
			(ClarkyFields[i].rendered == RENDER_DELETED) == (i == FIELD_DELETED_AT) &&
			(ClarkyFields[i].on_create == FIELD_SERVER) ==
			(ClarkyFields[i].on_patch == FIELD_FIXED);
	ok(good, "activity_type alone is required, metadata alone merged, deleted_at alone shown only when deleted; the server sets exactly the fixed fields");

	good = true;
	for (int i = 0; i < FIELD_COUNT; i++)
		good &= (ClarkyFields[i].kind == FIELD_KIND_ID_LIST) ==
			(i == FIELD_CONTACT_IDS || i == FIELD_COMPANY_IDS || i == FIELD_VIA_COMPANY_IDS) &&
			(ClarkyFields[i].rendered == RENDER_NEVER) == (i == FIELD_VIA_COMPANY_IDS);
	ok(good, "contact_ids, company_ids and via_company_ids alone are id lists; via_company_ids alone is never rendered");

	ok(ClarkyFields[FIELD_CONTACT_IDS].limit == 50 && CLARKY_MAX_TAGS == 50 &&
	   ClarkyFields[FIELD_COMPANY_IDS].limit == 50 &&
	   ClarkyFields[FIELD_CONTACT_IDS].on_create == FIELD_OPTIONAL &&
	   ClarkyFields[FIELD_CONTACT_IDS].on_patch == FIELD_SETTABLE &&
	   ClarkyFields[FIELD_COMPANY_IDS].on_create == FIELD_OPTIONAL &&
	   ClarkyFields[FIELD_COMPANY_IDS].on_patch == FIELD_SETTABLE &&
	   ClarkyFields[FIELD_VIA_COMPANY_IDS].on_create == FIELD_SERVER &&
	   ClarkyFields[FIELD_VIA_COMPANY_IDS].on_patch == FIELD_FIXED,
	   "contact_ids and company_ids are optional, settable lists of at most 50 ids; via_company_ids is the server's");

	ok(ClarkyFields[FIELD_OWNER_ID].kind == FIELD_KIND_ID &&
	   ClarkyFields[FIELD_OWNER_ID].limit == 255 &&
	   ClarkyFields[FIELD_OWNER_ID].on_create == FIELD_OPTIONAL &&
	   ClarkyFields[FIELD_OWNER_ID].on_patch == FIELD_SETTABLE &&
	   ClarkyFields[FIELD_OWNER_ID].kind == ClarkyFields[FIELD_CONTACT_ID].kind &&
	   ClarkyFields[FIELD_OWNER_ID].limit == ClarkyFields[FIELD_CONTACT_ID].limit,
	   "owner_id is an optional, settable id of at most 255 characters, like contact_id");

	if (raw == NULL)
	{
		ok(0, "README.md can be read (run from the repository's root, or name it)");
		return;
	}
	prose = Unwrapped(raw);

	/* the table after "Accepted fields:": a new activity's, in judged order */
	TableFirstColumn(raw, "Accepted fields:", &readme);
	FieldNames(&fields, InNewActivity, true);
	ExpectNames(&readme, &fields,
				"the README's table of accepted fields is ClarkyFields' non-server fields, activity_type first");

	/* "Keys come in this order: ..." names every field, in order */
	QuotedNamesBetween(prose, "Keys come in this order:", "The order is that of",
					   "delete_activity", &readme);
	FieldNames(&fields, Rendered, false);
	ExpectNames(&readme, &fields,
				"the README's output key order is ClarkyFields' order, but for the fields never rendered");

	/* the patch: "`activity_type` and `occurred_at` cannot be cleared; ..." */
	QuotedNamesBetween(prose, "holds after the patch.", "cannot be cleared", NULL, &readme);
	FieldNames(&fields, NotClearable, false);
	ExpectNames(&readme, &fields,
				"the fields the README says cannot be cleared are ClarkyFields' FIELD_NOT_NULL ones");

	QuotedNamesBetween(prose, "cannot be cleared;", "cannot be patched", NULL, &readme);
	FieldNames(&fields, Unchangeable, false);
	AddName(&fields, CLARKY_WORKSPACE_KEY, strlen(CLARKY_WORKSPACE_KEY));
	ExpectNames(&readme, &fields,
				"the fields the README says cannot be patched are ClarkyFields' FIELD_FIXED ones and workspace_id");

	free(prose);
	free(raw);
}

/* The escaping of JsonQuote, one byte at a time, as a reference */
static size_t
NaiveQuote(char *out, const unsigned char *in, size_t len)
{
	size_t		n = 0;

	out[n++] = '"';
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = in[i];

		if (c == '"' || c == '\\')
			n += sprintf(out + n, "\\%c", c);
		else if (c == '\b')
			n += sprintf(out + n, "\\b");
		else if (c == '\f')
			n += sprintf(out + n, "\\f");
		else if (c == '\n')
			n += sprintf(out + n, "\\n");
		else if (c == '\r')
			n += sprintf(out + n, "\\r");
		else if (c == '\t')
			n += sprintf(out + n, "\\t");
		else if (c < 0x20)
			n += sprintf(out + n, "\\u%04x", c);
		else
			out[n++] = (char) c;
	}
	out[n++] = '"';
	return n;
}

static void
TestJsonQuote(void)
{
	unsigned int seed = 12345;
	int			mismatches = 0;

	/* random strings, dense in the bytes that matter, against the reference */
	for (int round = 0; round < 20000; round++)
	{
		unsigned char in[64];
		char		fast[JSON_QUOTED_MAX(64)];
		char		slow[JSON_QUOTED_MAX(64) + 1];
		size_t		len = (size_t) (round % 64);
		size_t		n1,
					n2;

		for (size_t i = 0; i < len; i++)
		{
			seed = seed * 1103515245 + 12345;
			in[i] = (seed >> 16) % 4 == 0 ? "\"\\\n\x01\x1f "[(seed >> 20) % 6] : (unsigned char) (seed >> 8);
		}
		n1 = JsonQuote(fast, (const char *) in, len);
		n2 = NaiveQuote(slow, in, len);
		mismatches += (n1 != n2 || memcmp(fast, slow, n1) != 0);
	}
	ok(mismatches == 0, "JsonQuote matches byte-by-byte escaping on 20,000 random strings");

	char		out[JSON_QUOTED_MAX(16)];
	const char	in[] = "a\"b\\c\n\x01\x7f\xc3\xa9";
	size_t		n = JsonQuote(out, in, sizeof(in) - 1);

	ok(n == strlen("\"a\\\"b\\\\c\\n\\u0001\x7f\xc3\xa9\"") &&
	   memcmp(out, "\"a\\\"b\\\\c\\n\\u0001\x7f\xc3\xa9\"", n) == 0,
	   "JsonQuote escapes quotes, backslashes and control characters, and copies the rest");
}

/* Split list (a copy) with ValidateWorkspaceList; the ids joined by "|" into out */
static bool
SplitList(const char *list, char *out, size_t outsize, ValidationError *error)
{
	char		copy[2048];
	const char *ids[1024];
	size_t		len = strlen(list);
	int			count;

	if (WORKSPACE_LIST_MAX(list, len) > 1024 || len >= sizeof(copy))
		return false;
	memcpy(copy, list, len + 1);
	out[0] = '\0';
	if (!ValidateWorkspaceList(copy, len, ids, &count, &utf8, error))
		return false;
	for (int i = 0; i < count; i++)
	{
		size_t		used = strlen(out);

		snprintf(out + used, outsize - used, "%s%s", i ? "|" : "", ids[i]);
	}
	return true;
}

static void
TestWorkspaceList(void)
{
	char		out[2048];
	char		list[1024];
	ValidationError error;

	ok(SplitList("", out, sizeof(out), &error) && strcmp(out, "") == 0, "workspace list: empty, no id");
	ok(SplitList("   ", out, sizeof(out), &error) && strcmp(out, "") == 0, "workspace list: spaces only, no id");
	ok(SplitList("ws_a", out, sizeof(out), &error) && strcmp(out, "ws_a") == 0, "workspace list: one id");
	ok(SplitList(" ws_a ,ws_b,  ws c  ", out, sizeof(out), &error) &&
	   strcmp(out, "ws_a|ws_b|ws c") == 0,
	   "workspace list: three ids, spaces around them dropped, inner ones kept");
	ok(!SplitList("ws_a,,ws_b", out, sizeof(out), &error) && error.code == VALIDATION_EMPTY &&
	   strcmp(error.field, CLARKY_ALLOWED_SETTING) == 0 &&
	   strcmp(error.message, "workspace id 2 of the list is empty") == 0,
	   "workspace list: an empty id among others names its position");
	ok(!SplitList("ws_a, ", out, sizeof(out), &error) && strcmp(error.message, "workspace id 2 of the list is empty") == 0,
	   "workspace list: a trailing comma is an empty id");
	ok(!SplitList(",", out, sizeof(out), &error) && strcmp(error.message, "workspace id 1 of the list is empty") == 0,
	   "workspace list: a lone comma is an empty id");
	snprintf(list, sizeof(list), "ws_a,%.*s", 256, xs);
	ok(!SplitList(list, out, sizeof(out), &error) && error.code == VALIDATION_TOO_LONG &&
	   strcmp(error.message, "workspace id 2 of the list is too long") == 0 &&
	   strcmp(error.detail, "A workspace id has at most 255 characters.") == 0,
	   "workspace list: an id of 256 characters is too long");
	snprintf(list, sizeof(list), "%.*s", 255 * 3, euros);
	ok(SplitList(list, out, sizeof(out), &error) && strlen(out) == 255 * 3,
	   "workspace list: an id of 255 three-byte characters is fine (characters, not bytes)");
}

int
main(int argc, char **argv)
{
	memset(xs, 'x', sizeof(xs));
	for (size_t i = 0; i + 3 <= sizeof(euros); i += 3)
		memcpy(euros + i, "\xe2\x82\xac", 3);

	TestAccepted();
	TestRejected();
	TestEveryDay();
	TestMonths();
	TestUlid();
	TestValidateCreate();
	TestOwnerId();
	TestIdLists();
	TestValidatePatch();
	TestHelpers();
	TestFieldDescriptions(argc > 1 ? argv[1] : "README.md");
	TestJsonQuote();
	TestWorkspaceList();
	printf("1..%d\n", tests);
	return failures != 0;
}
