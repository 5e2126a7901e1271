/*-------------------------------------------------------------------------
 *
 * activity_id.c
 *	  Activity ids: "a_" followed by a monotonic ULID.
 *
 * The time part is the wall clock in milliseconds; the random part comes
 * from pg_strong_random.  Within one backend the ids strictly increase (see
 * ulid.c), so the timelines' tie-break on id follows the order of logging.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "clarky_activity.h"
#include "ulid.h"

/* The last id this backend handed out */
static UlidState last_id;

/* Write a new id (CLARKY_ACTIVITY_ID_LEN characters and a NUL) to buf */
void
ClarkyNewActivityId(char *buf)
{
	TimestampTz now = GetCurrentTimestamp();
	uint64		millis;

	/* TimestampTz counts microseconds from 2000-01-01; ULIDs count from 1970 */
	millis = (uint64) (now / 1000 +
					   (int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) *
					   SECS_PER_DAY * 1000);

	if (UlidAdvance(&last_id, millis) &&
		!pg_strong_random(last_id.random, ULID_RANDOM_BYTES))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random values for an activity id")));

	buf[0] = 'a';
	buf[1] = '_';
	UlidEncode(&last_id, buf + 2);
	buf[CLARKY_ACTIVITY_ID_LEN] = '\0';
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_new_activity_id);

/* clarky.new_activity_id(): a new activity id */
Datum
clarky_new_activity_id(PG_FUNCTION_ARGS)
{
	char		buf[CLARKY_ACTIVITY_ID_LEN + 1];

	ClarkyNewActivityId(buf);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(buf, CLARKY_ACTIVITY_ID_LEN));
}
