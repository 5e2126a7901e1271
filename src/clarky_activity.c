/*-------------------------------------------------------------------------
 *
 * clarky_activity.c
 *	  Module magic and the facts every part of the extension shares.
 *
 * Where things live:
 *	  validate.c		the rules of an activity, without server headers
 *	  activity_id.c		clarky.new_activity_id(): monotonic ULID ids
 *	  workspace.c		the workspace of the current call
 *	  payload.c			a log_activity payload, from jsonb to validate.c
 *	  log_activity.c	clarky.log_activity(): validate, insert, render
 *	  timeline.c		clarky.contact_activities() and company_activities()
 *	  render.c			an activity row as the seed's JSON object
 *	  activity_counts.c	the trigger keeping the timelines' totals
 *	  http_api.c		the clarky_api functions that PostgREST serves
 *	  api_key.c			new API key secrets
 *	  iso8601.c, ulid.c	server-independent parsing and encoding
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "clarky_activity.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "clarky_activity",.version = "1.0.0");
#else
PG_MODULE_MAGIC;
#endif

/* The enum value (pg_enum OID) of each activity type, where seen yet */
static Oid	activity_type_oids[CLARKY_ACTIVITY_TYPE_COUNT];

/* Forget the OIDs when pg_enum changes (say, the extension is recreated) */
static void
ForgetActivityTypeOids(Datum arg, int cacheid, uint32 hashvalue)
{
	memset(activity_type_oids, 0, sizeof(activity_type_oids));
}

/*
 * The index in ClarkyActivityTypes of a clarky.activity_type value, or -1
 * for a label this code does not know; without a catalog lookup once each
 * type has been seen.
 */
int
ClarkyActivityTypeIndex(Oid value)
{
	const char *label;
	int			index;

	for (int i = 0; i < CLARKY_ACTIVITY_TYPE_COUNT; i++)
	{
		if (activity_type_oids[i] == value)
			return i;
	}

	label = DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(value)));
	index = ActivityTypeIndex(label, strlen(label));
	if (index >= 0)
		activity_type_oids[index] = value;
	return index;
}

/* The label of a clarky.activity_type value */
const char *
ClarkyActivityTypeLabel(Oid value)
{
	int			index = ClarkyActivityTypeIndex(value);

	if (index < 0)
		return DatumGetCString(DirectFunctionCall1(enum_out, ObjectIdGetDatum(value)));
	return ClarkyActivityTypes[index];
}

void		_PG_init(void);

/* Module load: register the cache invalidations */
void
_PG_init(void)
{
	CacheRegisterSyscacheCallback(ENUMOID, ForgetActivityTypeOids, (Datum) 0);
	ClarkyTimelineInit();
}
