/*-------------------------------------------------------------------------
 *
 * iso8601.h
 *	  Strict ISO 8601 / RFC 3339 timestamps, parsed and formatted without
 *	  the server.
 *
 * Timestamps are counted in microseconds since 2000-01-01T00:00:00Z, which
 * is exactly PostgreSQL's TimestampTz, so no conversion is needed on either
 * side.  Only years 0001 to 9999 (UTC) are accepted and produced.
 *
 * This file and iso8601.c include no server header: the unit tests and the
 * fuzzing harnesses build them on their own.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLARKY_ISO8601_H
#define CLARKY_ISO8601_H

#include <stddef.h>
#include <stdint.h>

/* Result of Iso8601Parse */
typedef enum Iso8601Status
{
	ISO8601_OK,
	ISO8601_SYNTAX,				/* not of the accepted form */
	ISO8601_RANGE				/* well formed, but no such instant */
} Iso8601Status;

/* Room for a reason, such as "day 30 does not exist in 2026-02" */
#define ISO8601_REASON_LEN 96

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" plus its terminating NUL */
#define ISO8601_FORMAT_LEN 25

/* Smallest and largest accepted instants: 0001-01-01 and 9999-12-31 */
#define ISO8601_MIN_USEC INT64_C(-63082281600000000)
#define ISO8601_MAX_USEC INT64_C(252455615999999999)

extern Iso8601Status Iso8601Parse(const char *str, size_t len,
								  int64_t *usec, char *reason);
extern int	Iso8601Format(int64_t usec, char *buf);
extern int	Iso8601Month(int64_t usec);
extern int64_t Iso8601MonthStart(int month);

#endif							/* CLARKY_ISO8601_H */
