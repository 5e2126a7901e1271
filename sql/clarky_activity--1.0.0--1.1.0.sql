/* sql/clarky_activity--1.0.0--1.1.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION clarky_activity UPDATE TO '1.1.0'" to load this file. \quit

-- 1.1.0: an activity's whole life.  Activities gain an owner, a version,
-- an update time and a soft delete; they can be read one at a time,
-- corrected with a JSON merge patch, completed, reopened, deleted, restored
-- and purged.
--
-- A fresh install runs clarky_activity--1.0.0.sql and then this script (as
-- pg_cron and citext do), so an upgraded database and a fresh one are built
-- by the same statements.

------------------------------------------------------------------------------
-- The new columns
------------------------------------------------------------------------------

ALTER TABLE clarky.activities
	ADD COLUMN owner_id text COLLATE "C",
	ADD COLUMN updated_at timestamptz,
	ADD COLUMN version integer NOT NULL DEFAULT 1,
	ADD COLUMN deleted_at timestamptz;

-- An activity never changed was last updated when it was created.  The
-- counts follow none of these columns: their trigger may rest meanwhile.
ALTER TABLE clarky.activities DISABLE TRIGGER activities_counts;
UPDATE clarky.activities SET updated_at = created_at;
ALTER TABLE clarky.activities ENABLE TRIGGER activities_counts;

ALTER TABLE clarky.activities
	ALTER COLUMN updated_at SET NOT NULL,
	ALTER COLUMN updated_at SET DEFAULT pg_catalog.now(),
	ADD CONSTRAINT activities_owner_id_not_empty
		CHECK (owner_id OPERATOR(pg_catalog.<>) ''),
	ADD CONSTRAINT activities_version_positive
		CHECK (version OPERATOR(pg_catalog.>=) 1),
	ADD CONSTRAINT activities_updated_at_range
		CHECK (updated_at OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'
			   AND updated_at OPERATOR(pg_catalog.<) '10000-01-01 00:00:00+00'),
	ADD CONSTRAINT activities_deleted_at_range
		CHECK (deleted_at OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'
			   AND deleted_at OPERATOR(pg_catalog.<) '10000-01-01 00:00:00+00');

COMMENT ON COLUMN clarky.activities.owner_id IS
'The user the activity belongs to or is assigned to (the rep who made the call, the person who owes the task), at most 255 characters';
COMMENT ON COLUMN clarky.activities.updated_at IS
'When the activity last changed; equals created_at until the first change';
COMMENT ON COLUMN clarky.activities.version IS
'1 when logged, then one more on every change: the ETag of the HTTP API, and update_activity''s expected_version';
COMMENT ON COLUMN clarky.activities.deleted_at IS
'When the activity was deleted (a soft delete); null for a live activity. A deleted activity is on no timeline and in no total';
COMMENT ON CONSTRAINT activities_owner_id_not_empty ON clarky.activities IS
'An owner id is never the empty string';
COMMENT ON CONSTRAINT activities_version_positive ON clarky.activities IS
'Versions count from 1';
COMMENT ON CONSTRAINT activities_updated_at_range ON clarky.activities IS
'Timestamps lie in the years 0001 to 9999 (UTC), as ISO 8601 renders them';
COMMENT ON CONSTRAINT activities_deleted_at_range ON clarky.activities IS
'Timestamps lie in the years 0001 to 9999 (UTC), as ISO 8601 renders them';

------------------------------------------------------------------------------
-- Timelines hold live activities only
------------------------------------------------------------------------------

-- A deleted activity leaves every timeline index, so deletions cost reads
-- nothing: a page is still one range scan of live entries.
DROP INDEX clarky.activities_contact_timeline;
DROP INDEX clarky.activities_contact_type_timeline;
DROP INDEX clarky.activities_company_timeline;
DROP INDEX clarky.activities_company_type_timeline;

CREATE INDEX activities_contact_timeline ON clarky.activities
	(workspace_id, contact_id, occurred_at DESC, id DESC)
	WHERE contact_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX activities_contact_type_timeline ON clarky.activities
	(workspace_id, contact_id, activity_type, occurred_at DESC, id DESC)
	WHERE contact_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX activities_company_timeline ON clarky.activities
	(workspace_id, company_id, occurred_at DESC, id DESC)
	WHERE company_id IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX activities_company_type_timeline ON clarky.activities
	(workspace_id, company_id, activity_type, occurred_at DESC, id DESC)
	WHERE company_id IS NOT NULL AND deleted_at IS NULL;

COMMENT ON INDEX clarky.activities_contact_timeline IS
'A contact''s timeline of live activities, newest first: one range scan per page';
COMMENT ON INDEX clarky.activities_contact_type_timeline IS
'A contact''s timeline of live activities filtered by type, newest first';
COMMENT ON INDEX clarky.activities_company_timeline IS
'A company''s timeline of live activities, newest first: one range scan per page';
COMMENT ON INDEX clarky.activities_company_type_timeline IS
'A company''s timeline of live activities filtered by type, newest first';

-- The counts follow live activities only (the trigger now takes a deleted
-- one away, and a restored one back); recount those deleted meanwhile:
-- none, since 1.0.0 could not delete softly, but the recount is cheap next
-- to the index builds above and makes the rule hold whatever came before.
COMMENT ON TABLE clarky.activity_counts IS
'Exact numbers of live (not deleted) activities per workspace, owner and stripe, a column per type, kept by the trigger activities_counts; sums of them are the timelines'' totals (of every type: notes + calls + meetings + video_calls + tasks + todos + reminders)';
COMMENT ON TRIGGER activities_counts ON clarky.activities IS
'Adds each written live activity to clarky.activity_counts, and takes each removed or soft-deleted one away';

CREATE OR REPLACE FUNCTION clarky.rebuild_activity_counts() RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
	rows_written bigint;
BEGIN
	-- no write may slip in between the recount and its use
	LOCK TABLE clarky.activities IN SHARE MODE;
	TRUNCATE clarky.activity_counts;
	INSERT INTO clarky.activity_counts
		(workspace_id, owner_kind, owner_id, stripe,
		 notes, calls, meetings, video_calls, tasks, todos, reminders)
	SELECT a.workspace_id, o.kind, o.id, 0,
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'note'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'call'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'meeting'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'video_call'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'task'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'todo'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'reminder')
	FROM clarky.activities AS a
	CROSS JOIN LATERAL (VALUES ('contact', a.contact_id), ('company', a.company_id)) AS o (kind, id)
	WHERE o.id IS NOT NULL AND a.deleted_at IS NULL
	GROUP BY a.workspace_id, o.kind, o.id;
	GET DIAGNOSTICS rows_written = ROW_COUNT;
	RETURN rows_written;
END
$function$;

------------------------------------------------------------------------------
-- The SQL API
------------------------------------------------------------------------------

COMMENT ON FUNCTION clarky.log_activity(jsonb) IS
'Log an activity from the seed''s POST body (plus occurred_at and owner_id) in the current workspace; returns {"data": activity}. Raises an error naming the field on any invalid input, before writing.';

CREATE FUNCTION clarky.get_activity(id text) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_get_activity'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clarky.get_activity(text) IS
'One live activity of the current workspace as {"data": activity}; an unknown id, another workspace''s and a deleted one are the same error: no_data_found (P0002), naming the id';

CREATE FUNCTION clarky.update_activity(id text, patch jsonb, expected_version integer DEFAULT NULL)
RETURNS json
AS 'MODULE_PATHNAME', 'clarky_update_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.update_activity(text, jsonb, integer) IS
'Change a live activity by a JSON merge patch (RFC 7396; metadata merged by the same rules), validated as log_activity validates; returns {"data": activity}. A stale expected_version is SQLSTATE CK409, its detail giving the current version; an empty patch changes nothing';

CREATE FUNCTION clarky.complete_activity(id text, completed_at timestamptz DEFAULT pg_catalog.now())
RETURNS json
AS 'MODULE_PATHNAME', 'clarky_complete_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.complete_activity(text, timestamptz) IS
'Mark a live activity done at completed_at (default: now); returns {"data": activity}';

CREATE FUNCTION clarky.reopen_activity(id text) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_reopen_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.reopen_activity(text) IS
'Mark a live activity not done (completed_at null); returns {"data": activity}';

CREATE FUNCTION clarky.delete_activity(id text, expected_version integer DEFAULT NULL)
RETURNS json
AS 'MODULE_PATHNAME', 'clarky_delete_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.delete_activity(text, integer) IS
'Soft-delete a live activity: it leaves every timeline and total at once; returns {"data": activity} with deleted_at. Undone by restore_activity, made final by purge_deleted_activities';

CREATE FUNCTION clarky.restore_activity(id text) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_restore_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.restore_activity(text) IS
'Bring a deleted activity back exactly where it was on its timelines; returns {"data": activity}. An id that is not deleted is no_data_found (P0002)';

-- SECURITY DEFINER: it runs as the table's owner, to whom row-level
-- security does not apply, so that an administrator purges every workspace
-- without being able to read or delete a single live activity itself (no
-- grant on clarky.activities, no policy).  It removes only rows deleted
-- longer ago than older_than.
CREATE FUNCTION clarky.purge_deleted_activities(older_than interval) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
	purged bigint;
BEGIN
	IF older_than IS NULL THEN
		RAISE EXCEPTION 'parameter "older_than" must not be null'
			USING ERRCODE = 'null_value_not_allowed', COLUMN = 'older_than';
	END IF;
	IF older_than < interval '0' THEN
		RAISE EXCEPTION 'parameter "older_than" must not be negative'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'older_than',
				  DETAIL = format('Got %s.', older_than);
	END IF;
	DELETE FROM clarky.activities AS a
	WHERE a.deleted_at IS NOT NULL AND a.deleted_at < now() - older_than;
	GET DIAGNOSTICS purged = ROW_COUNT;
	RETURN purged;
END
$function$;

COMMENT ON FUNCTION clarky.purge_deleted_activities(interval) IS
'Remove for good, in every workspace, the activities deleted longer ago than older_than; returns how many. For administrators (clarky_admin)';

------------------------------------------------------------------------------
-- Privileges and row-level security
------------------------------------------------------------------------------

-- Updates run as the caller: writers may change activities, confined to
-- their workspace by the policy activities_workspace, in every column but
-- those no change may touch (the key and created_at).
GRANT UPDATE (contact_id, company_id, activity_type, title, description, due_date,
			  duration_minutes, completed_at, metadata, occurred_at, owner_id,
			  updated_at, version, deleted_at)
	ON clarky.activities TO clarky_writer;

REVOKE ALL ON FUNCTION clarky.get_activity(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.update_activity(text, jsonb, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.complete_activity(text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.reopen_activity(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.delete_activity(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.restore_activity(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.purge_deleted_activities(interval) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky.get_activity(text) TO clarky_reader, clarky_writer, clarky_analyst;
GRANT EXECUTE ON FUNCTION clarky.update_activity(text, jsonb, integer) TO clarky_writer;
GRANT EXECUTE ON FUNCTION clarky.complete_activity(text, timestamptz) TO clarky_writer;
GRANT EXECUTE ON FUNCTION clarky.reopen_activity(text) TO clarky_writer;
GRANT EXECUTE ON FUNCTION clarky.delete_activity(text, integer) TO clarky_writer;
GRANT EXECUTE ON FUNCTION clarky.restore_activity(text) TO clarky_writer;
GRANT EXECUTE ON FUNCTION clarky.purge_deleted_activities(interval) TO clarky_admin;

------------------------------------------------------------------------------
-- The HTTP API (1.1.0)
------------------------------------------------------------------------------

-- One activity by id.  PostgREST calls functions with GET and POST only,
-- and has no path parameters: nginx maps GET|HEAD, PATCH and DELETE
-- /api/v1/activities/{id} and POST .../{id}/restore to these four, passing
-- the id (percent-encoded, as in the path) in the request header
-- X-Clarky-Activity-Id and the client's If-Match as it came; the C code
-- reads both from request.headers.  update_activity's one unnamed jsonb
-- parameter receives the whole body, the merge patch.

CREATE FUNCTION clarky_api.get_activity() RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_get_activity'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.get_activity() IS
'Get an activity

GET /api/v1/activities/{id}: one activity of the key''s workspace (the id in the header X-Clarky-Activity-Id, percent-encoded, when calling PostgREST directly). 200 with {"data": activity} and ETag: "<version>"; 404 not_found for an unknown, deleted or other workspace''s id; 401.';

CREATE FUNCTION clarky_api.update_activity(jsonb) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_update_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.update_activity(jsonb) IS
'Update an activity

PATCH /api/v1/activities/{id} with a JSON merge patch (RFC 7396; Content-Type application/json or application/merge-patch+json): the fields it names change, null clears one, metadata is merged. Optional If-Match: "<version>" (the ETag). Needs a key with the write scope. 200 with {"data": activity} and the new ETag; 409 conflict when If-Match is stale, details.current_version naming the current version; 422 validation_error naming the field; 400 bad_request when the body is not a JSON object; 404; 401; 403.';

CREATE FUNCTION clarky_api.delete_activity() RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_delete_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.delete_activity() IS
'Delete an activity

DELETE /api/v1/activities/{id}, optionally with If-Match: "<version>": the activity leaves its timelines and totals at once (a soft delete, undone by restore). Needs a key with the write scope. 204 with no body; 404 for an unknown or already deleted id; 409 when If-Match is stale; 401; 403.';

CREATE FUNCTION clarky_api.restore_activity() RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_restore_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.restore_activity() IS
'Restore a deleted activity

POST /api/v1/activities/{id}/restore: the deleted activity comes back onto its timelines where it was, and into their totals. Needs a key with the write scope. 200 with {"data": activity} and ETag; 404 for an id that is unknown or not deleted; 401; 403.';

-- As in 1.0.0: the anonymous and reader roles may call every API function,
-- to be told 401 or 403 in Clarky's envelope.
REVOKE ALL ON FUNCTION clarky_api.get_activity() FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.update_activity(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.delete_activity() FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.restore_activity() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky_api.get_activity() TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.update_activity(jsonb) TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.delete_activity() TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.restore_activity() TO clarky_anon, clarky_reader, clarky_writer;

-- Tell a running PostgREST to reload its schema cache.
NOTIFY pgrst, 'reload schema';
