/* sql/clarky_activity--1.0.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION clarky_activity" to load this file. \quit

-- The schema clarky is created by CREATE EXTENSION (schema = clarky in the
-- control file, relocatable = false).  Every name below is schema-qualified.

COMMENT ON SCHEMA clarky IS
'clarky_activity: CRM activity timelines of contacts and companies';

------------------------------------------------------------------------------
-- Types
------------------------------------------------------------------------------

CREATE TYPE clarky.activity_type AS ENUM (
	'note', 'call', 'meeting', 'video_call', 'task', 'todo', 'reminder'
);

COMMENT ON TYPE clarky.activity_type IS
'The seven kinds of activity: note, call, meeting, video_call, task, todo, reminder';

------------------------------------------------------------------------------
-- Helpers used by the table's defaults
------------------------------------------------------------------------------

CREATE FUNCTION clarky.new_activity_id() RETURNS text
AS 'MODULE_PATHNAME', 'clarky_new_activity_id'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION clarky.new_activity_id() IS
'A new activity id: "a_" and a 26-character ULID (48-bit millisecond time, 80 random bits), increasing within a session';

CREATE FUNCTION clarky.current_workspace() RETURNS text
AS 'MODULE_PATHNAME', 'clarky_current_workspace'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION clarky.current_workspace() IS
'The workspace of the current call: the setting clarky.workspace_id, or ''default'' where it is unset or empty';

------------------------------------------------------------------------------
-- The activities table
------------------------------------------------------------------------------

CREATE TABLE clarky.activities (
	workspace_id		text COLLATE "C" NOT NULL DEFAULT clarky.current_workspace(),
	id					text COLLATE "C" NOT NULL DEFAULT clarky.new_activity_id(),
	contact_id			text COLLATE "C",
	company_id			text COLLATE "C",
	activity_type		clarky.activity_type NOT NULL,
	title				text,
	description			text,
	due_date			timestamptz,
	duration_minutes	numeric,
	completed_at		timestamptz,
	metadata			jsonb NOT NULL DEFAULT '{}'::pg_catalog.jsonb,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	occurred_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),

	CONSTRAINT activities_pkey PRIMARY KEY (workspace_id, id),
	CONSTRAINT activities_contact_or_company
		CHECK (contact_id IS NOT NULL OR company_id IS NOT NULL),
	CONSTRAINT activities_contact_id_not_empty
		CHECK (contact_id OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT activities_company_id_not_empty
		CHECK (company_id OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT activities_duration_minutes_range
		CHECK (duration_minutes OPERATOR(pg_catalog.>=) 0
			   AND duration_minutes OPERATOR(pg_catalog.<=) 1000000),
	CONSTRAINT activities_metadata_object
		CHECK (pg_catalog.jsonb_typeof(metadata) OPERATOR(pg_catalog.=) 'object'),
	-- the API renders years 0001 to 9999 only
	CONSTRAINT activities_due_date_range
		CHECK (due_date OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'
			   AND due_date OPERATOR(pg_catalog.<) '10000-01-01 00:00:00+00'),
	CONSTRAINT activities_completed_at_range
		CHECK (completed_at OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'
			   AND completed_at OPERATOR(pg_catalog.<) '10000-01-01 00:00:00+00'),
	CONSTRAINT activities_created_at_range
		CHECK (created_at OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'
			   AND created_at OPERATOR(pg_catalog.<) '10000-01-01 00:00:00+00'),
	CONSTRAINT activities_occurred_at_range
		CHECK (occurred_at OPERATOR(pg_catalog.>=) '0001-01-01 00:00:00+00'
			   AND occurred_at OPERATOR(pg_catalog.<) '10000-01-01 00:00:00+00')
);

-- pg_dump keeps the rows of this extension-owned table
SELECT pg_catalog.pg_extension_config_dump('clarky.activities', '');

COMMENT ON TABLE clarky.activities IS
'Activities (notes, calls, meetings, video calls, tasks, todos, reminders) logged against a contact or a company, per workspace';
COMMENT ON COLUMN clarky.activities.workspace_id IS
'The workspace the activity belongs to; the distribution column under Citus';
COMMENT ON COLUMN clarky.activities.id IS
'"a_" and a ULID, from clarky.new_activity_id()';
COMMENT ON COLUMN clarky.activities.contact_id IS
'The contact the activity is logged against; contact_id or company_id is set';
COMMENT ON COLUMN clarky.activities.company_id IS
'The company the activity is logged against; contact_id or company_id is set';
COMMENT ON COLUMN clarky.activities.activity_type IS
'One of note, call, meeting, video_call, task, todo, reminder';
COMMENT ON COLUMN clarky.activities.title IS 'Short title, at most 1,000 characters';
COMMENT ON COLUMN clarky.activities.description IS 'Free text, at most 100,000 characters';
COMMENT ON COLUMN clarky.activities.due_date IS 'When a task, todo or reminder is due';
COMMENT ON COLUMN clarky.activities.duration_minutes IS
'Duration in minutes, 0 to 1,000,000; useful for calls, meetings and video calls';
COMMENT ON COLUMN clarky.activities.completed_at IS 'When the activity was done';
COMMENT ON COLUMN clarky.activities.metadata IS
'Free-form JSON object (recording URL, attendees...), at most 64 KiB as text';
COMMENT ON COLUMN clarky.activities.created_at IS 'When the activity was logged';
COMMENT ON COLUMN clarky.activities.occurred_at IS
'When the activity really happened: the timeline order; defaults to the moment of logging, may be backdated';

COMMENT ON CONSTRAINT activities_pkey ON clarky.activities IS
'Ids are unique per workspace; the key leads with workspace_id so the table can be distributed by it';
COMMENT ON CONSTRAINT activities_contact_or_company ON clarky.activities IS
'Every activity is logged against a contact, a company, or both';
COMMENT ON CONSTRAINT activities_contact_id_not_empty ON clarky.activities IS
'A contact id is never the empty string';
COMMENT ON CONSTRAINT activities_company_id_not_empty ON clarky.activities IS
'A company id is never the empty string';
COMMENT ON CONSTRAINT activities_duration_minutes_range ON clarky.activities IS
'A duration is a finite number of minutes from 0 to 1,000,000';
COMMENT ON CONSTRAINT activities_metadata_object ON clarky.activities IS
'Metadata is always a JSON object';
COMMENT ON CONSTRAINT activities_due_date_range ON clarky.activities IS
'Timestamps lie in the years 0001 to 9999 (UTC), as ISO 8601 renders them';
COMMENT ON CONSTRAINT activities_completed_at_range ON clarky.activities IS
'Timestamps lie in the years 0001 to 9999 (UTC), as ISO 8601 renders them';
COMMENT ON CONSTRAINT activities_created_at_range ON clarky.activities IS
'Timestamps lie in the years 0001 to 9999 (UTC), as ISO 8601 renders them';
COMMENT ON CONSTRAINT activities_occurred_at_range ON clarky.activities IS
'Timestamps lie in the years 0001 to 9999 (UTC), as ISO 8601 renders them';

-- Each timeline page is a range scan of one of these, newest first; the
-- count behind "total" is an index-only scan of the same range.
CREATE INDEX activities_contact_timeline ON clarky.activities
	(workspace_id, contact_id, occurred_at DESC, id DESC)
	WHERE contact_id IS NOT NULL;
CREATE INDEX activities_contact_type_timeline ON clarky.activities
	(workspace_id, contact_id, activity_type, occurred_at DESC, id DESC)
	WHERE contact_id IS NOT NULL;
CREATE INDEX activities_company_timeline ON clarky.activities
	(workspace_id, company_id, occurred_at DESC, id DESC)
	WHERE company_id IS NOT NULL;
CREATE INDEX activities_company_type_timeline ON clarky.activities
	(workspace_id, company_id, activity_type, occurred_at DESC, id DESC)
	WHERE company_id IS NOT NULL;

COMMENT ON INDEX clarky.activities_contact_timeline IS
'A contact''s timeline, newest first: one range scan per page';
COMMENT ON INDEX clarky.activities_contact_type_timeline IS
'A contact''s timeline filtered by type, newest first';
COMMENT ON INDEX clarky.activities_company_timeline IS
'A company''s timeline, newest first: one range scan per page';
COMMENT ON INDEX clarky.activities_company_type_timeline IS
'A company''s timeline filtered by type, newest first';

------------------------------------------------------------------------------
-- The SQL API
------------------------------------------------------------------------------

CREATE FUNCTION clarky.log_activity(payload jsonb) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_log_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.log_activity(jsonb) IS
'Log an activity from the seed''s POST body (plus occurred_at) in the current workspace; returns {"data": activity}. Raises an error naming the field on any invalid input, before writing.';

CREATE FUNCTION clarky.contact_activities(
	contact_id text,
	activity_type clarky.activity_type DEFAULT NULL,
	page integer DEFAULT 1,
	page_size integer DEFAULT 25
) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_contact_activities'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clarky.contact_activities(text, clarky.activity_type, integer, integer) IS
'A contact''s timeline in the current workspace, newest first by occurred_at: {"data": [...], "pagination": {"page", "page_size", "total", "total_pages"}}. page >= 1, page_size 1 to 100.';

CREATE FUNCTION clarky.company_activities(
	company_id text,
	activity_type clarky.activity_type DEFAULT NULL,
	page integer DEFAULT 1,
	page_size integer DEFAULT 25
) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_company_activities'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clarky.company_activities(text, clarky.activity_type, integer, integer) IS
'A company''s timeline in the current workspace, newest first by occurred_at: {"data": [...], "pagination": {"page", "page_size", "total", "total_pages"}}. page >= 1, page_size 1 to 100.';
