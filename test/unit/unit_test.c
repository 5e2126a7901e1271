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
#include <stdio.h>
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
	ok(Iso8601Format(ISO8601_MIN_USEC - 1, (char[ISO8601_FORMAT_LEN]) {0}) == 0 &&
	   Iso8601Format(ISO8601_MAX_USEC + 1, (char[ISO8601_FORMAT_LEN]) {0}) == 0,
	   "refuses to format outside years 0001..9999");
}

static void
TestUlid(void)
{
	UlidState	state = {0};
	char		text[ULID_TEXT_LEN + 1] = {0};
	char		previous[ULID_TEXT_LEN + 1];

	ok(UlidAdvance(&state, UINT64_C(1469918176385)), "a new millisecond asks for randomness");
	memset(state.random, 0, ULID_RANDOM_BYTES);
	UlidEncode(&state, text);
	ok(strcmp(text, "01ARYZ6S410000000000000000") == 0, "encodes the spec's time part");

	memcpy(previous, text, sizeof(previous));
	ok(!UlidAdvance(&state, UINT64_C(1469918176385)), "the same millisecond increments");
	UlidEncode(&state, text);
	ok(strcmp(text, "01ARYZ6S410000000000000001") == 0 && strcmp(previous, text) < 0,
	   "the increment is the next ULID");

	ok(!UlidAdvance(&state, UINT64_C(1469918176000)), "a clock going back increments");
	ok(state.millis == UINT64_C(1469918176385), "and keeps the last millisecond");

	memset(state.random, 0xFF, ULID_RANDOM_BYTES);
	UlidEncode(&state, previous);
	ok(UlidAdvance(&state, state.millis) && state.millis == UINT64_C(1469918176386),
	   "overflow of the random part moves to the next millisecond");
	memset(state.random, 0, ULID_RANDOM_BYTES);
	UlidEncode(&state, text);
	ok(strcmp(previous, text) < 0, "and stays monotonic");

	state.millis = (UINT64_C(1) << 48) - 1;
	memset(state.random, 0xFF, ULID_RANDOM_BYTES);
	UlidEncode(&state, text);
	ok(strcmp(text, "7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == 0, "encodes the largest ULID");
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

/* Validate members; the error's code and field, or "ok" */
static const char *
Verdict(const PayloadMember *members, int count, ValidatedPayload *out)
{
	static char verdict[600];
	ValidationError error;

	if (ValidatePayload(members, count, &utf8, out, &error))
		return "ok";
	snprintf(verdict, sizeof(verdict), "%d %s: %s", (int) error.code, error.field, error.message);
	return verdict;
}

static void
Expect(const PayloadMember *members, int count, const char *want, const char *what)
{
	ValidatedPayload out;
	const char *got = Verdict(members, count, &out);
	int			same = strcmp(got, want) == 0;

	ok(same, what);
	if (!same)
		printf("# got:  %s\n# want: %s\n", got, want);
}

static void
TestValidate(void)
{
	ValidatedPayload out;
	char		long_title[1003];
	char		utf8_title[3001];

	{
		PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c1"),
			NUM("duration_minutes", "32"), STR("due_date", "2026-05-06T17:00:00.000Z")};

		ok(strcmp(Verdict(m, 4, &out), "ok") == 0 && out.activity_type == 1 &&
		   out.fields[FIELD_DURATION_MINUTES] == &m[2] && out.fields[FIELD_TITLE] == NULL &&
		   out.due_date == INT64_C(831402000000000), "a valid payload, its type and due date");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contactId", "c1")};

		Expect(m, 2, "1 contactId: unknown field \"contactId\" in activity payload",
			   "an unknown field is named");
	}
	{
		PayloadMember m[] = {STR("contact_id", "c1"), OF_KIND("activity_type", JSON_NULL)};

		Expect(m, 2, "3 activity_type: field \"activity_type\" is required",
			   "null activity_type means absent: required");
	}
	{
		PayloadMember m[] = {STR("activity_type", "phone"), STR("contact_id", "c1")};

		Expect(m, 2, "4 activity_type: field \"activity_type\" must be one of note, call, meeting, video_call, task, todo, reminder",
			   "an unknown type lists the seven");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), OF_KIND("title", JSON_BOOL), STR("contact_id", "")};

		Expect(m, 3, "5 contact_id: field \"contact_id\" must not be empty",
			   "fields are judged in the seed's order (contact_id before title)");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"), OF_KIND("title", JSON_BOOL)};

		Expect(m, 3, "2 title: field \"title\" must be a string", "a boolean title");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), OF_KIND("company_id", JSON_NULL)};

		Expect(m, 2, "12 contact_id: field \"contact_id\" or \"company_id\" is required",
			   "neither owner");
	}
	memset(long_title, 'x', 1001);
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		MEMBER("title", JSON_STRING, long_title, 1001)};

		Expect(m, 3, "6 title: field \"title\" is too long", "1001 characters are too many");
		m[2].text_len = 1000;
		Expect(m, 3, "ok", "1000 characters are fine");
	}
	for (int i = 0; i < 1000; i++)
		memcpy(utf8_title + 3 * i, "\xe2\x82\xac", 3);
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		MEMBER("title", JSON_STRING, utf8_title, 3000)};

		Expect(m, 3, "ok", "1000 three-byte characters are 1000 characters");
	}
	{
		static const char *const in_range[] = {"0", "-0", "-0.000", "0.5", "1000000", "1000000.000", "0001000000", "999999.999999"};
		static const char *const out_of_range[] = {"-1", "-0.001", "1000000.001", "1000001", "10000000", "99999999999999999999999999999999999999"};
		int			good = 1;

		for (size_t i = 0; i < sizeof(in_range) / sizeof(in_range[0]); i++)
		{
			PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
			MEMBER("duration_minutes", JSON_NUMBER, in_range[i], strlen(in_range[i]))};

			good &= strcmp(Verdict(m, 3, &out), "ok") == 0;
		}
		for (size_t i = 0; i < sizeof(out_of_range) / sizeof(out_of_range[0]); i++)
		{
			PayloadMember m[] = {STR("activity_type", "call"), STR("contact_id", "c"),
			MEMBER("duration_minutes", JSON_NUMBER, out_of_range[i], strlen(out_of_range[i]))};

			good &= strncmp(Verdict(m, 3, &out), "9 duration_minutes", 18) == 0;
		}
		ok(good, "duration_minutes from 0 to 1000000, exactly, whatever the digits");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"),
		{.key = "metadata", .key_len = 8, .kind = JSON_OBJECT, .json_len = 65537, .depth = 1}};

		Expect(m, 3, "10 metadata: field \"metadata\" is too large", "metadata over 64 KiB");
		m[2].json_len = 65536;
		Expect(m, 3, "ok", "metadata of exactly 64 KiB");
		m[2].depth = 33;
		Expect(m, 3, "11 metadata: field \"metadata\" is nested too deeply", "metadata 33 levels deep");
		m[2].depth = 32;
		Expect(m, 3, "ok", "metadata 32 levels deep");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("contact_id", "c"), STR("due_date", "2026-02-30")};

		Expect(m, 3, "8 due_date: field \"due_date\" is out of range", "an impossible date");
		m[2].text = "tomorrow";
		m[2].text_len = 8;
		Expect(m, 3, "7 due_date: field \"due_date\" is not an ISO 8601 timestamp", "not a timestamp");
	}
	{
		PayloadMember m[] = {STR("activity_type", "note"), STR("activity_type", "task"), STR("company_id", "co")};

		ok(strcmp(Verdict(m, 3, &out), "ok") == 0 && out.activity_type == 4,
		   "a repeated key: the last one counts, as in jsonb");
	}
	{
		ValidationError error;

		ok(!ValidateIdParameter("contact_id", "", 0, &utf8, &error) &&
		   strcmp(error.message, "parameter \"contact_id\" must not be empty") == 0,
		   "an empty id parameter");
		ok(ValidateIdParameter("contact_id", "c_1", 3, &utf8, &error), "a fine id parameter");
	}
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

int
main(void)
{
	TestAccepted();
	TestRejected();
	TestEveryDay();
	TestUlid();
	TestValidate();
	TestJsonQuote();
	printf("1..%d\n", tests);
	return failures != 0;
}
