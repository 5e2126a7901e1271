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

#include "clarky_activity.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = "clarky_activity",.version = "1.0.0");
#else
PG_MODULE_MAGIC;
#endif
