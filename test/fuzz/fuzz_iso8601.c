/*-------------------------------------------------------------------------
 *
 * fuzz_iso8601.c
 *	  libFuzzer harness for Iso8601Parse and Iso8601Format (src/iso8601.c).
 *
 * The input is the timestamp text itself.  Properties checked:
 *
 *	- the status is one of the three; on failure the reason is a non-empty
 *	  NUL-terminated string within ISO8601_REASON_LEN bytes;
 *	- on success the instant lies within ISO8601_MIN_USEC..ISO8601_MAX_USEC,
 *	  Iso8601Format writes 24 characters for it, and parsing that text gives
 *	  back the instant truncated (floored) to the millisecond, which formats
 *	  to the same text;
 *	- the verdict agrees with an independent reference: a grammar written
 *	  from the README and iso8601.c's header comment, and calendar arithmetic
 *	  by glibc's timegm().  Syntax errors win over range errors: a string
 *	  not of the accepted form is ISO8601_SYNTAX, however out of range its
 *	  fields also are ("well formed, but no such instant" is RANGE);
 *	- independently of the text, the first 8 bytes as an int64 (as they are,
 *	  and folded into the accepted range) format, or are refused, correctly.
 *
 * Build: see scripts/fuzz.sh (fuzzing) and fuzz_common.h (replay driver).
 *
 *-------------------------------------------------------------------------
 */
#define _DEFAULT_SOURCE			/* timegm */

#include <stdbool.h>
#include <time.h>

#include "iso8601.h"
#define FUZZ_BYTES_INPUT
#include "fuzz_common.h"

#define USEC_PER_SEC INT64_C(1000000)
#define PG_EPOCH_UNIX INT64_C(946684800)	/* 2000-01-01 in Unix seconds */

/* Largest multiple of 1000 not above v */
static int64_t
FloorToMillis(int64_t v)
{
	int64_t		r = v % 1000;

	return r < 0 ? v - r - 1000 : v - r;
}

static bool
IsDigit(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits at s, all digits? */
static bool
Digits(const char *s, int n, int *value)
{
	int			v = 0;

	for (int i = 0; i < n; i++)
	{
		if (!IsDigit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*value = v;
	return true;
}

/*
 * The reference.  First the grammar, on the whole string:
 *
 *	  date		 = 4DIGIT "-" 2DIGIT "-" 2DIGIT
 *	  timestamp	 = date [ ("T" / "t") 2DIGIT ":" 2DIGIT
 *					[ ":" 2DIGIT [ "." 1*9DIGIT ] ] offset ]
 *	  offset	 = "Z" / "z" / ("+" / "-") 2DIGIT ":" 2DIGIT
 *
 * then the ranges (year 0000, month, day in month, 23:59:59, offset 23:59,
 * the instant within years 0001 to 9999 UTC), with the fraction rounded
 * half up to the microsecond.
 */
static Iso8601Status
ReferenceParse(const char *s, size_t n, int64_t *usec)
{
	int			year,
				month,
				day,
				hour = 0,
				minute = 0,
				second = 0,
				oh = 0,
				om = 0;
	int64_t		nanos = 0;
	int			sign = 1;
	size_t		p;
	struct tm	tm;
	struct tm	check;
	time_t		t;
	int64_t		v;

	if (n < 10 || !Digits(s, 4, &year) || s[4] != '-' || !Digits(s + 5, 2, &month) ||
		s[7] != '-' || !Digits(s + 8, 2, &day))
		return ISO8601_SYNTAX;
	if (n > 10)
	{
		if (n < 16 || (s[10] != 'T' && s[10] != 't') || !Digits(s + 11, 2, &hour) ||
			s[13] != ':' || !Digits(s + 14, 2, &minute))
			return ISO8601_SYNTAX;
		p = 16;
		if (p < n && s[p] == ':')
		{
			if (n < p + 3 || !Digits(s + p + 1, 2, &second))
				return ISO8601_SYNTAX;
			p += 3;
			if (p < n && s[p] == '.')
			{
				size_t		k = 0;

				while (p + 1 + k < n && IsDigit(s[p + 1 + k]))
					k++;
				if (k < 1 || k > 9)
					return ISO8601_SYNTAX;
				for (size_t i = 0; i < 9; i++)
					nanos = nanos * 10 + (i < k ? s[p + 1 + i] - '0' : 0);
				p += 1 + k;
			}
		}
		if (p + 1 == n && (s[p] == 'Z' || s[p] == 'z'))
			 /* UTC */ ;
		else if (p + 6 == n && (s[p] == '+' || s[p] == '-') &&
				 Digits(s + p + 1, 2, &oh) && s[p + 3] == ':' &&
				 Digits(s + p + 4, 2, &om))
			sign = (s[p] == '-') ? -1 : 1;
#ifdef FUZZ_TOLERATE_OFFSET_RANGE_FIRST
		/* a known finding, tolerated to fuzz past it: see the regressions */
		else if (p + 6 < n && (s[p] == '+' || s[p] == '-') &&
				 Digits(s + p + 1, 2, &oh) && s[p + 3] == ':' &&
				 Digits(s + p + 4, 2, &om) && (oh > 23 || om > 59))
			return ISO8601_RANGE;
#endif
		else
			return ISO8601_SYNTAX;
	}

	/* well formed; now is there such an instant? */
	if (year < 1 || month < 1 || month > 12 || day < 1 ||
		hour > 23 || minute > 59 || second > 59 || oh > 23 || om > 59)
		return ISO8601_RANGE;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second;
	t = timegm(&tm);
	/* timegm normalises 2026-02-30 to March: a day that does not exist */
	if (gmtime_r(&t, &check) == NULL || check.tm_mday != day ||
		check.tm_mon != month - 1)
		return ISO8601_RANGE;

	v = ((int64_t) t - PG_EPOCH_UNIX - (int64_t) sign * (oh * 60 + om) * 60) * USEC_PER_SEC
		+ (nanos + 500) / 1000;
	if (v < ISO8601_MIN_USEC || v > ISO8601_MAX_USEC)
		return ISO8601_RANGE;
	*usec = v;
	return ISO8601_OK;
}

/* Format usec (in range) and parse it back: the instant floored to the ms */
static void
CheckFormatRoundTrip(int64_t usec)
{
	char		buf[ISO8601_FORMAT_LEN + 8];
	char		again[ISO8601_FORMAT_LEN + 8];
	char		reason[ISO8601_REASON_LEN];
	int64_t		back = INT64_MIN;
	int			n;

	memset(buf, 'x', sizeof(buf));
	n = Iso8601Format(usec, buf);
	CHECK(n == ISO8601_FORMAT_LEN - 1, "Iso8601Format writes 24 characters for an accepted instant");
	CHECK(memchr(buf, '\0', ISO8601_FORMAT_LEN) != NULL && strlen(buf) == (size_t) n,
		  "Iso8601Format NUL-terminates its text within ISO8601_FORMAT_LEN");
	CHECK(buf[ISO8601_FORMAT_LEN] == 'x', "Iso8601Format writes nothing past ISO8601_FORMAT_LEN");
	CHECK(Iso8601Parse(buf, (size_t) n, &back, reason) == ISO8601_OK,
		  "Iso8601Parse accepts what Iso8601Format writes");
	CHECK(back == FloorToMillis(usec),
		  "format then parse gives the instant truncated to the millisecond");
	CHECK(Iso8601Format(back, again) == n && strcmp(again, buf) == 0,
		  "formatting is idempotent on millisecond instants");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *str = FuzzCopy(data, size);
	char		reason[ISO8601_REASON_LEN + 1];
	int64_t		usec = INT64_C(0x5A5A5A5A5A5A5A5A);
	int64_t		ref_usec = 0;
	Iso8601Status status;
	Iso8601Status ref;

	FuzzKeepInput(data, size);

	memset(reason, 0x7F, sizeof(reason));
	status = Iso8601Parse(str, size, &usec, reason);
	CHECK(status == ISO8601_OK || status == ISO8601_SYNTAX || status == ISO8601_RANGE,
		  "Iso8601Parse returns one of its three statuses");
	CHECK(reason[ISO8601_REASON_LEN] == 0x7F, "the reason stays within ISO8601_REASON_LEN bytes");

	if (status == ISO8601_OK)
	{
		CHECK(usec >= ISO8601_MIN_USEC && usec <= ISO8601_MAX_USEC,
			  "an accepted instant lies within ISO8601_MIN_USEC..ISO8601_MAX_USEC");
		CheckFormatRoundTrip(usec);
	}
	else
	{
		CHECK(memchr(reason, '\0', ISO8601_REASON_LEN) != NULL,
			  "on failure the reason is NUL-terminated");
		CHECK(reason[0] != '\0', "on failure the reason is not empty");
		CHECK(usec == INT64_C(0x5A5A5A5A5A5A5A5A), "on failure *usec is left alone");
	}

	ref = ReferenceParse(str, size, &ref_usec);
	if (ref != status)
		fprintf(stderr, "*** Iso8601Parse says %d (reason \"%s\"), the reference %d\n",
				(int) status, status == ISO8601_OK ? "" : reason, (int) ref);
	CHECK(ref == status, "Iso8601Parse's verdict (ok, syntax, range) agrees with the reference");
	if (status == ISO8601_OK)
	{
		if (ref_usec != usec)
			fprintf(stderr, "*** Iso8601Parse gives %lld, the reference %lld\n",
					(long long) usec, (long long) ref_usec);
		CHECK(ref_usec == usec, "Iso8601Parse's instant agrees with the reference (timegm)");
	}

	/* the first 8 bytes as an instant, for Iso8601Format on its own */
	if (size >= 8)
	{
		uint64_t	raw = 0;
		int64_t		v;
		char		buf[ISO8601_FORMAT_LEN];

		for (int i = 0; i < 8; i++)
			raw |= (uint64_t) data[i] << (8 * i);
		memcpy(&v, &raw, sizeof(v));
		if (v < ISO8601_MIN_USEC || v > ISO8601_MAX_USEC)
			CHECK(Iso8601Format(v, buf) == 0, "Iso8601Format refuses an instant out of range");
		else
			CheckFormatRoundTrip(v);
		v = ISO8601_MIN_USEC +
			(int64_t) (raw % (uint64_t) (ISO8601_MAX_USEC - ISO8601_MIN_USEC + 1));
		CheckFormatRoundTrip(v);
	}

	free(str);
	return 0;
}
