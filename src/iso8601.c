/*-------------------------------------------------------------------------
 *
 * iso8601.c
 *	  Strict ISO 8601 / RFC 3339 timestamp parsing and formatting.
 *
 * Accepted forms (nothing else):
 *
 *	  YYYY-MM-DD							midnight UTC of that day
 *	  YYYY-MM-DDTHH:MM[:SS[.f...]]<offset>	offset is Z or +HH:MM or -HH:MM
 *
 * "T" and "Z" may be lower case, as RFC 3339 allows.  A date-time without an
 * offset is refused: its instant would depend on the session's time zone.
 * Fractions of up to nine digits are rounded to the microsecond.  Leap
 * seconds (":60") are refused, since PostgreSQL cannot store them.
 *
 * The result never depends on TimeZone, DateStyle or the locale: the
 * calendar arithmetic is done here, on the proleptic Gregorian calendar.
 *
 *-------------------------------------------------------------------------
 */
#include "iso8601.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#define USECS_PER_SEC	INT64_C(1000000)
#define USECS_PER_MIN	(INT64_C(60) * USECS_PER_SEC)
#define USECS_PER_DAY	(INT64_C(86400) * USECS_PER_SEC)

/* Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch */
#define UNIX_TO_PG_DAYS 10957

#define MAX_FRACTION_DIGITS 9

static bool
IsLeapYear(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
DaysInMonth(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return (month == 2 && IsLeapYear(year)) ? 29 : days[month - 1];
}

/* Days since 2000-01-01 of a proleptic Gregorian date (H. Hinnant's method) */
static int64_t
DaysFromCivil(int64_t year, int month, int day)
{
	int64_t		era;
	int64_t		yoe;
	int64_t		doy;
	int64_t		doe;

	year -= (month <= 2);
	era = (year >= 0 ? year : year - 399) / 400;
	yoe = year - era * 400;
	doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - UNIX_TO_PG_DAYS;
}

/* The inverse of DaysFromCivil */
static void
CivilFromDays(int64_t days, int *year, int *month, int *day)
{
	int64_t		z = days + UNIX_TO_PG_DAYS + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;
	int			m = (int) (mp < 10 ? mp + 3 : mp - 9);

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = (int) (yoe + era * 400 + (m <= 2));
}

/* Read exactly n decimal digits at *pos; false if any is not a digit */
static bool
ReadDigits(const char *str, size_t len, size_t *pos, int n, int *value)
{
	int			v = 0;

	if (len - *pos < (size_t) n)
		return false;
	for (int i = 0; i < n; i++)
	{
		char		c = str[*pos + i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*pos += n;
	*value = v;
	return true;
}

/* Consume the character c at *pos, if it is there */
static bool
Expect(const char *str, size_t len, size_t *pos, char c)
{
	if (*pos >= len || str[*pos] != c)
		return false;
	(*pos)++;
	return true;
}

static Iso8601Status
Syntax(char *reason, const char *what)
{
	snprintf(reason, ISO8601_REASON_LEN, "%s", what);
	return ISO8601_SYNTAX;
}

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static Iso8601Status
Range(char *reason, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	vsnprintf(reason, ISO8601_REASON_LEN, fmt, args);
	va_end(args);
	return ISO8601_RANGE;
}

/*
 * Parse str[0..len) into microseconds since 2000-01-01T00:00:00Z.
 *
 * On failure, reason receives a short lower-case explanation
 * (ISO8601_REASON_LEN bytes at most).
 */
Iso8601Status
Iso8601Parse(const char *str, size_t len, int64_t *usec, char *reason)
{
	size_t		pos = 0;
	int			year,
				month,
				day;
	int			hour = 0,
				minute = 0,
				second = 0;
	int64_t		fraction = 0;	/* microseconds */
	int			offset_sign = 1;
	int			offset_hours = 0;
	int			offset_minutes = 0;
	int64_t		offset;			/* minutes east of UTC */
	int64_t		result;

	if (!ReadDigits(str, len, &pos, 4, &year) ||
		!Expect(str, len, &pos, '-') ||
		!ReadDigits(str, len, &pos, 2, &month) ||
		!Expect(str, len, &pos, '-') ||
		!ReadDigits(str, len, &pos, 2, &day))
		return Syntax(reason, "expected a date of the form YYYY-MM-DD");

	if (pos < len)
	{
		if (str[pos] != 'T' && str[pos] != 't')
			return Syntax(reason, "expected \"T\" between the date and the time");
		pos++;
		if (!ReadDigits(str, len, &pos, 2, &hour) ||
			!Expect(str, len, &pos, ':') ||
			!ReadDigits(str, len, &pos, 2, &minute))
			return Syntax(reason, "expected a time of the form HH:MM[:SS[.fff]]");
		if (Expect(str, len, &pos, ':'))
		{
			if (!ReadDigits(str, len, &pos, 2, &second))
				return Syntax(reason, "expected two digits of seconds");
			if (Expect(str, len, &pos, '.'))
			{
				int			ndigits = 0;
				int			round = 0;

				while (pos < len && str[pos] >= '0' && str[pos] <= '9')
				{
					if (++ndigits > MAX_FRACTION_DIGITS)
						return Syntax(reason, "more than 9 digits of fractional seconds");
					if (ndigits <= 6)
						fraction = fraction * 10 + (str[pos] - '0');
					else if (ndigits == 7)
						round = (str[pos] >= '5');
					pos++;
				}
				if (ndigits == 0)
					return Syntax(reason, "expected digits after the decimal point");
				for (int i = ndigits; i < 6; i++)
					fraction *= 10;
				fraction += round;
			}
		}

		if (pos >= len)
			return Syntax(reason, "missing time zone offset: add Z or +HH:MM");
		if (str[pos] == 'Z' || str[pos] == 'z')
			pos++;
		else if (str[pos] == '+' || str[pos] == '-')
		{
			int			sign = (str[pos] == '-') ? -1 : 1;

			pos++;
			if (!ReadDigits(str, len, &pos, 2, &offset_hours) ||
				!Expect(str, len, &pos, ':') ||
				!ReadDigits(str, len, &pos, 2, &offset_minutes))
				return Syntax(reason, "expected a time zone offset of the form +HH:MM");
			offset_sign = sign;
		}
		else
			return Syntax(reason, "expected Z or +HH:MM after the time");
		if (pos != len)
			return Syntax(reason, "unexpected characters after the time zone offset");
	}

	/* the form is right; now the values */
	if (offset_hours > 23 || offset_minutes > 59)
		return Range(reason, "time zone offset %c%02d:%02d does not exist",
					 offset_sign < 0 ? '-' : '+', offset_hours, offset_minutes);
	offset = offset_sign * (offset_hours * 60 + offset_minutes);

	if (year < 1)
		return Range(reason, "year 0000 is out of range");
	if (month < 1 || month > 12)
		return Range(reason, "month %02d does not exist", month);
	if (day < 1 || day > DaysInMonth(year, month))
		return Range(reason, "day %02d does not exist in %04d-%02d", day, year, month);
	if (hour > 23 || minute > 59 || second > 59)
		return Range(reason, "time %02d:%02d:%02d does not exist", hour, minute, second);

	result = DaysFromCivil(year, month, day) * USECS_PER_DAY
		+ ((int64_t) hour * 60 + minute - offset) * USECS_PER_MIN
		+ (int64_t) second * USECS_PER_SEC + fraction;
	if (result < ISO8601_MIN_USEC || result > ISO8601_MAX_USEC)
		return Range(reason, "instant falls outside the years 0001 to 9999 in UTC");

	*usec = result;
	return ISO8601_OK;
}

/* Write value as exactly n decimal digits, zero-padded */
static void
PutDigits(char *out, int value, int n)
{
	for (int i = n - 1; i >= 0; i--)
	{
		out[i] = (char) ('0' + value % 10);
		value /= 10;
	}
}

/*
 * The calendar month (UTC) of usec, counted from 1970-01 as 0 (negative
 * before it)
 */
int
Iso8601Month(int64_t usec)
{
	int64_t		days = usec / USECS_PER_DAY;
	int			year,
				month,
				day;

	if (usec % USECS_PER_DAY < 0)
		days--;
	CivilFromDays(days, &year, &month, &day);
	return (year - 1970) * 12 + month - 1;
}

/* The first instant of a month as Iso8601Month counts them */
int64_t
Iso8601MonthStart(int month)
{
	int			year = 1970 + (month >= 0 ? month / 12 : -((11 - month) / 12));

	return DaysFromCivil(year, month - (year - 1970) * 12 + 1, 1) * USECS_PER_DAY;
}

/*
 * Format usec as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, milliseconds, truncated).
 *
 * buf must hold ISO8601_FORMAT_LEN bytes.  Returns the length written, or 0
 * if usec lies outside the years 0001 to 9999.
 */
int
Iso8601Format(int64_t usec, char *buf)
{
	int64_t		days;
	int64_t		rem;
	int			year,
				month,
				day;

	if (usec < ISO8601_MIN_USEC || usec > ISO8601_MAX_USEC)
		return 0;

	days = usec / USECS_PER_DAY;
	rem = usec % USECS_PER_DAY;
	if (rem < 0)
	{
		rem += USECS_PER_DAY;
		days--;
	}
	CivilFromDays(days, &year, &month, &day);

	/* written by hand: this is on the path of every rendered timestamp */
	PutDigits(buf, year, 4);
	buf[4] = '-';
	PutDigits(buf + 5, month, 2);
	buf[7] = '-';
	PutDigits(buf + 8, day, 2);
	buf[10] = 'T';
	PutDigits(buf + 11, (int) (rem / (3600 * USECS_PER_SEC)), 2);
	buf[13] = ':';
	PutDigits(buf + 14, (int) (rem / USECS_PER_MIN % 60), 2);
	buf[16] = ':';
	PutDigits(buf + 17, (int) (rem / USECS_PER_SEC % 60), 2);
	buf[19] = '.';
	PutDigits(buf + 20, (int) (rem % USECS_PER_SEC / 1000), 3);
	buf[23] = 'Z';
	buf[24] = '\0';
	return ISO8601_FORMAT_LEN - 1;
}
