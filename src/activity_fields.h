/*-------------------------------------------------------------------------
 *
 * activity_fields.h
 *	  The one description of an activity's fields.
 *
 * Each CLARKY_FIELD line is one field of the API's Activity object and one
 * column of clarky.activities: its name (the JSON key), its column, the
 * kind of value, its limit, how a create payload and a patch treat it, and
 * whether it is rendered.  The lines come in the order the JSON object
 * renders its keys: the seed's keys first, then occurred_at, owner_id,
 * updated_at, version, deleted_at where deleted activities can be seen,
 * then contact_ids and company_ids.  Every list derives from it: the
 * payload's accepted keys and their validation (validate.c), the select
 * list of every statement and the columns of the insert and the update
 * (activity.c, log_activity.c, timeline.c), and the rendering (render.c).
 * Like PostgreSQL's kwlist.h, it has no include guard: include it after
 * defining CLARKY_FIELD.
 *
 *	  CLARKY_FIELD(tag, name, column, kind, limit, on_create, on_patch, rendered)
 *
 * tag:		the field's ClarkyField value
 *
 * kind:		FIELD_KIND_ID (a non-empty string of at most limit characters),
 *				FIELD_KIND_TEXT (a string of at most limit characters),
 *				FIELD_KIND_TYPE (one of the activity types),
 *				FIELD_KIND_TIMESTAMP (an ISO 8601 string),
 *				FIELD_KIND_DURATION (a number from 0 to limit),
 *				FIELD_KIND_METADATA (an object of at most limit bytes as text),
 *				FIELD_KIND_VERSION (an integer),
 *				FIELD_KIND_ID_LIST (an array of at most limit distinct ids; its
 *				column holds the ids after the primary one, which is the
 *				field ListPrimary() names: see links.c)
 * on_create:	FIELD_REQUIRED, FIELD_OPTIONAL, or FIELD_SERVER (set by the
 *				server; in a payload it is an unknown field)
 * on_patch:	FIELD_SETTABLE (a value replaces it, null clears it),
 *				FIELD_NOT_NULL (a value replaces it; it cannot be cleared),
 *				FIELD_MERGED (merged by the patch's rules; null empties it),
 *				FIELD_FIXED (set by the server; a patch naming it is refused)
 * rendered:	RENDER_ALWAYS, RENDER_DELETED (only where deleted activities
 *				are shown), or RENDER_NEVER (a column the server keeps for
 *				itself: no key of the object, unknown to payloads)
 *
 * The statements select the fields' columns in this order, so a field's
 * ClarkyField value is also its column number in every result.
 *
 *-------------------------------------------------------------------------
 */

/* tag, name, column, kind, limit, on_create, on_patch, rendered */
CLARKY_FIELD(FIELD_ID, "id", "id", FIELD_KIND_ID, CLARKY_MAX_ID_CHARS, FIELD_SERVER, FIELD_FIXED, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_CONTACT_ID, "contact_id", "contact_id", FIELD_KIND_ID, CLARKY_MAX_ID_CHARS, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_COMPANY_ID, "company_id", "company_id", FIELD_KIND_ID, CLARKY_MAX_ID_CHARS, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_ACTIVITY_TYPE, "activity_type", "activity_type", FIELD_KIND_TYPE, 0, FIELD_REQUIRED, FIELD_NOT_NULL, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_TITLE, "title", "title", FIELD_KIND_TEXT, CLARKY_MAX_TITLE_CHARS, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_DESCRIPTION, "description", "description", FIELD_KIND_TEXT, CLARKY_MAX_DESCRIPTION_CHARS, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_DUE_DATE, "due_date", "due_date", FIELD_KIND_TIMESTAMP, 0, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_DURATION_MINUTES, "duration_minutes", "duration_minutes", FIELD_KIND_DURATION, CLARKY_MAX_DURATION_MINUTES, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_COMPLETED_AT, "completed_at", "completed_at", FIELD_KIND_TIMESTAMP, 0, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_METADATA, "metadata", "metadata", FIELD_KIND_METADATA, CLARKY_MAX_METADATA_BYTES, FIELD_OPTIONAL, FIELD_MERGED, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_CREATED_AT, "created_at", "created_at", FIELD_KIND_TIMESTAMP, 0, FIELD_SERVER, FIELD_FIXED, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_OCCURRED_AT, "occurred_at", "occurred_at", FIELD_KIND_TIMESTAMP, 0, FIELD_OPTIONAL, FIELD_NOT_NULL, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_OWNER_ID, "owner_id", "owner_id", FIELD_KIND_ID, CLARKY_MAX_ID_CHARS, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_UPDATED_AT, "updated_at", "updated_at", FIELD_KIND_TIMESTAMP, 0, FIELD_SERVER, FIELD_FIXED, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_VERSION, "version", "version", FIELD_KIND_VERSION, 0, FIELD_SERVER, FIELD_FIXED, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_DELETED_AT, "deleted_at", "deleted_at", FIELD_KIND_TIMESTAMP, 0, FIELD_SERVER, FIELD_FIXED, RENDER_DELETED)
CLARKY_FIELD(FIELD_CONTACT_IDS, "contact_ids", "other_contact_ids", FIELD_KIND_ID_LIST, CLARKY_MAX_TAGS, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_COMPANY_IDS, "company_ids", "other_company_ids", FIELD_KIND_ID_LIST, CLARKY_MAX_TAGS, FIELD_OPTIONAL, FIELD_SETTABLE, RENDER_ALWAYS)
CLARKY_FIELD(FIELD_VIA_COMPANY_IDS, "via_company_ids", "via_company_ids", FIELD_KIND_ID_LIST, 0, FIELD_SERVER, FIELD_FIXED, RENDER_NEVER)
