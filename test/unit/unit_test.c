/*-------------------------------------------------------------------------
 *
 * unit_test.c
 *	  Unit tests of the server-independent code (iso8601.c, ulid.c), run
 *	  under AddressSanitizer and UndefinedBehaviorSanitizer.  Prints TAP.
 *
 *-------------------------------------------------------------------------
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "iso8601.h"
#include "ulid.h"

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

int
main(void)
{
	TestAccepted();
	TestRejected();
	TestEveryDay();
	TestUlid();
	printf("1..%d\n", tests);
	return failures != 0;
}
