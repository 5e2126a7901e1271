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

-- Comparison of activity types that row-level security lets the planner
-- use in an index condition.  PostgreSQL evaluates a query's own conditions
-- after a table's security policies unless they are LEAKPROOF, and then
-- cannot use them to search an index; the built-in enum comparisons are not
-- marked so.  These are the same built-in functions (they only compare two
-- enum values, and can neither fail nor reveal anything), declared
-- LEAKPROOF, in the type's own default btree operator class, so that a
-- type-filtered timeline searches its index whatever the caller's role.
CREATE FUNCTION clarky.activity_type_eq(clarky.activity_type, clarky.activity_type)
RETURNS boolean AS 'enum_eq' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION clarky.activity_type_ne(clarky.activity_type, clarky.activity_type)
RETURNS boolean AS 'enum_ne' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION clarky.activity_type_lt(clarky.activity_type, clarky.activity_type)
RETURNS boolean AS 'enum_lt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION clarky.activity_type_le(clarky.activity_type, clarky.activity_type)
RETURNS boolean AS 'enum_le' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION clarky.activity_type_gt(clarky.activity_type, clarky.activity_type)
RETURNS boolean AS 'enum_gt' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION clarky.activity_type_ge(clarky.activity_type, clarky.activity_type)
RETURNS boolean AS 'enum_ge' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION clarky.activity_type_cmp(clarky.activity_type, clarky.activity_type)
RETURNS integer AS 'enum_cmp' LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

COMMENT ON FUNCTION clarky.activity_type_eq(clarky.activity_type, clarky.activity_type) IS 'Whether two activity types are equal (enum_eq, leakproof)';
COMMENT ON FUNCTION clarky.activity_type_ne(clarky.activity_type, clarky.activity_type) IS 'Whether two activity types differ (enum_ne, leakproof)';
COMMENT ON FUNCTION clarky.activity_type_lt(clarky.activity_type, clarky.activity_type) IS 'Whether an activity type comes before another (enum_lt, leakproof)';
COMMENT ON FUNCTION clarky.activity_type_le(clarky.activity_type, clarky.activity_type) IS 'Whether an activity type comes before another or is it (enum_le, leakproof)';
COMMENT ON FUNCTION clarky.activity_type_gt(clarky.activity_type, clarky.activity_type) IS 'Whether an activity type comes after another (enum_gt, leakproof)';
COMMENT ON FUNCTION clarky.activity_type_ge(clarky.activity_type, clarky.activity_type) IS 'Whether an activity type comes after another or is it (enum_ge, leakproof)';
COMMENT ON FUNCTION clarky.activity_type_cmp(clarky.activity_type, clarky.activity_type) IS 'Btree comparison of activity types (enum_cmp, leakproof)';

CREATE OPERATOR clarky.= (
	LEFTARG = clarky.activity_type, RIGHTARG = clarky.activity_type,
	FUNCTION = clarky.activity_type_eq,
	COMMUTATOR = OPERATOR(clarky.=), NEGATOR = OPERATOR(clarky.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel, MERGES
);
CREATE OPERATOR clarky.<> (
	LEFTARG = clarky.activity_type, RIGHTARG = clarky.activity_type,
	FUNCTION = clarky.activity_type_ne,
	COMMUTATOR = OPERATOR(clarky.<>), NEGATOR = OPERATOR(clarky.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR clarky.< (
	LEFTARG = clarky.activity_type, RIGHTARG = clarky.activity_type,
	FUNCTION = clarky.activity_type_lt,
	COMMUTATOR = OPERATOR(clarky.>), NEGATOR = OPERATOR(clarky.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);
CREATE OPERATOR clarky.<= (
	LEFTARG = clarky.activity_type, RIGHTARG = clarky.activity_type,
	FUNCTION = clarky.activity_type_le,
	COMMUTATOR = OPERATOR(clarky.>=), NEGATOR = OPERATOR(clarky.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);
CREATE OPERATOR clarky.> (
	LEFTARG = clarky.activity_type, RIGHTARG = clarky.activity_type,
	FUNCTION = clarky.activity_type_gt,
	COMMUTATOR = OPERATOR(clarky.<), NEGATOR = OPERATOR(clarky.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);
CREATE OPERATOR clarky.>= (
	LEFTARG = clarky.activity_type, RIGHTARG = clarky.activity_type,
	FUNCTION = clarky.activity_type_ge,
	COMMUTATOR = OPERATOR(clarky.<=), NEGATOR = OPERATOR(clarky.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

COMMENT ON OPERATOR clarky.= (clarky.activity_type, clarky.activity_type) IS 'equal (leakproof, indexable under row-level security)';
COMMENT ON OPERATOR clarky.<> (clarky.activity_type, clarky.activity_type) IS 'not equal (leakproof)';
COMMENT ON OPERATOR clarky.< (clarky.activity_type, clarky.activity_type) IS 'less than, in the enum''s order (leakproof)';
COMMENT ON OPERATOR clarky.<= (clarky.activity_type, clarky.activity_type) IS 'less than or equal (leakproof)';
COMMENT ON OPERATOR clarky.> (clarky.activity_type, clarky.activity_type) IS 'greater than (leakproof)';
COMMENT ON OPERATOR clarky.>= (clarky.activity_type, clarky.activity_type) IS 'greater than or equal (leakproof)';

CREATE OPERATOR CLASS clarky.activity_type_ops
	DEFAULT FOR TYPE clarky.activity_type USING btree AS
	OPERATOR 1 clarky.<,
	OPERATOR 2 clarky.<=,
	OPERATOR 3 clarky.=,
	OPERATOR 4 clarky.>=,
	OPERATOR 5 clarky.>,
	FUNCTION 1 clarky.activity_type_cmp(clarky.activity_type, clarky.activity_type);

COMMENT ON OPERATOR CLASS clarky.activity_type_ops USING btree IS
'The default btree operator class of clarky.activity_type: the enum''s order, with leakproof operators';

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
-- Exact counts behind the timelines' "total"
------------------------------------------------------------------------------

-- Per workspace, owner and stripe: how many activities of each type.  A
-- total is the sum of a few of these rows (one per stripe, usually one)
-- instead of a count over up to every index entry of the owner.  Each
-- writing backend adds to its own stripe (its backend id, unique among
-- running backends), so concurrent writers never wait for each other on a
-- count, nor deadlock on two of them.  A column per type keeps an owner's
-- counts in one row, which a total reads with one index probe, and which a
-- write changes in no indexed column (a HOT update where its page has room).
CREATE TABLE clarky.activity_counts (
	workspace_id	text COLLATE "C" NOT NULL,
	owner_kind		text COLLATE "C" NOT NULL,
	owner_id		text COLLATE "C" NOT NULL,
	stripe			integer NOT NULL,
	notes			bigint NOT NULL DEFAULT 0,
	calls			bigint NOT NULL DEFAULT 0,
	meetings		bigint NOT NULL DEFAULT 0,
	video_calls		bigint NOT NULL DEFAULT 0,
	tasks			bigint NOT NULL DEFAULT 0,
	todos			bigint NOT NULL DEFAULT 0,
	reminders		bigint NOT NULL DEFAULT 0,

	CONSTRAINT activity_counts_pkey
		PRIMARY KEY (workspace_id, owner_kind, owner_id, stripe),
	CONSTRAINT activity_counts_owner_kind
		CHECK (owner_kind OPERATOR(pg_catalog.=) 'contact'
			   OR owner_kind OPERATOR(pg_catalog.=) 'company')
);

COMMENT ON TABLE clarky.activity_counts IS
'Exact numbers of activities per workspace, owner and stripe, a column per type, kept by the trigger activities_counts; sums of them are the timelines'' totals (of every type: notes + calls + meetings + video_calls + tasks + todos + reminders)';
COMMENT ON COLUMN clarky.activity_counts.workspace_id IS 'The workspace; the distribution column under Citus, co-located with clarky.activities';
COMMENT ON COLUMN clarky.activity_counts.owner_kind IS '''contact'' or ''company''';
COMMENT ON COLUMN clarky.activity_counts.owner_id IS 'The contact or company id';
COMMENT ON COLUMN clarky.activity_counts.stripe IS 'The id of the backend that wrote (0 after clarky.rebuild_activity_counts()); a total sums them all';
COMMENT ON COLUMN clarky.activity_counts.notes IS 'How many notes this stripe adds (every count may be negative after deletes)';
COMMENT ON COLUMN clarky.activity_counts.calls IS 'How many calls this stripe adds';
COMMENT ON COLUMN clarky.activity_counts.meetings IS 'How many meetings this stripe adds';
COMMENT ON COLUMN clarky.activity_counts.video_calls IS 'How many video calls this stripe adds';
COMMENT ON COLUMN clarky.activity_counts.tasks IS 'How many tasks this stripe adds';
COMMENT ON COLUMN clarky.activity_counts.todos IS 'How many todos this stripe adds';
COMMENT ON COLUMN clarky.activity_counts.reminders IS 'How many reminders this stripe adds';
COMMENT ON CONSTRAINT activity_counts_pkey ON clarky.activity_counts IS
'One row per workspace, owner and stripe; a total is a range of this key';
COMMENT ON CONSTRAINT activity_counts_owner_kind ON clarky.activity_counts IS
'Counts are kept for contacts and for companies';

-- The counts are derived data: pg_dump does not keep them; the trigger
-- counts the dump's rows again as they are restored.

CREATE FUNCTION clarky.activity_counts_trigger() RETURNS trigger
AS 'MODULE_PATHNAME', 'clarky_activity_counts_trigger'
LANGUAGE C;

COMMENT ON FUNCTION clarky.activity_counts_trigger() IS
'Keeps clarky.activity_counts exact under every INSERT, UPDATE, DELETE and TRUNCATE of clarky.activities; writes as the table''s owner';

CREATE TRIGGER activities_counts
	AFTER INSERT OR UPDATE OR DELETE ON clarky.activities
	FOR EACH ROW EXECUTE FUNCTION clarky.activity_counts_trigger();
CREATE TRIGGER activities_counts_truncate
	AFTER TRUNCATE ON clarky.activities
	FOR EACH STATEMENT EXECUTE FUNCTION clarky.activity_counts_trigger();

COMMENT ON TRIGGER activities_counts ON clarky.activities IS
'Adds each written activity to clarky.activity_counts (and takes each removed one away)';
COMMENT ON TRIGGER activities_counts_truncate ON clarky.activities IS
'Empties clarky.activity_counts with the table';

CREATE FUNCTION clarky.rebuild_activity_counts() RETURNS bigint
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
	WHERE o.id IS NOT NULL
	GROUP BY a.workspace_id, o.kind, o.id;
	GET DIAGNOSTICS rows_written = ROW_COUNT;
	RETURN rows_written;
END
$function$;

COMMENT ON FUNCTION clarky.rebuild_activity_counts() IS
'Recount clarky.activity_counts from clarky.activities, for instance after a bulk load with ALTER TABLE clarky.activities DISABLE TRIGGER activities_counts; returns the number of count rows';

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

------------------------------------------------------------------------------
-- Roles
------------------------------------------------------------------------------

-- Roles are cluster-wide and outlive the extension: create each one only if
-- it does not exist yet (another database may have created it).
DO $roles$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT * FROM (VALUES
		('clarky_anon', 'Unauthenticated HTTP requests (PostgREST''s db-anon-role): may only be told they are unauthorized'),
		('clarky_reader', 'Reads timelines of the bound workspace (HTTP keys with the read scope)'),
		('clarky_writer', 'Reads timelines and logs activities in the bound workspace (HTTP keys with the write scope)'),
		('clarky_analyst', 'Reads the activities of every workspace, for reports'),
		('clarky_admin', 'Creates, lists and revokes API keys')
	) AS roles(name, description)
	LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) r.name) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r.name);
		END IF;
		EXECUTE pg_catalog.format('COMMENT ON ROLE %I IS %L', r.name, 'clarky_activity: ' || r.description);
	END LOOP;
END
$roles$;

------------------------------------------------------------------------------
-- Row-level security: the second wall
------------------------------------------------------------------------------

-- The C code filters every query on the call's workspace itself (the first
-- wall, and the only one that holds under Citus).  These policies confine
-- everyone but the table's owner and superusers to the current workspace
-- as well; analysts may read every workspace.
ALTER TABLE clarky.activities ENABLE ROW LEVEL SECURITY;

CREATE POLICY activities_workspace ON clarky.activities
	USING (workspace_id OPERATOR(pg_catalog.=) clarky.current_workspace())
	WITH CHECK (workspace_id OPERATOR(pg_catalog.=) clarky.current_workspace());
CREATE POLICY activities_analyst_read ON clarky.activities
	FOR SELECT TO clarky_analyst USING (true);

ALTER TABLE clarky.activity_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY activity_counts_workspace ON clarky.activity_counts
	FOR SELECT USING (workspace_id OPERATOR(pg_catalog.=) clarky.current_workspace());
CREATE POLICY activity_counts_analyst_read ON clarky.activity_counts
	FOR SELECT TO clarky_analyst USING (true);

COMMENT ON POLICY activities_workspace ON clarky.activities IS
'Rows of the current workspace (clarky.current_workspace()) only, for reading and writing';
COMMENT ON POLICY activities_analyst_read ON clarky.activities IS
'Analysts read the activities of every workspace';
COMMENT ON POLICY activity_counts_workspace ON clarky.activity_counts IS
'Counts of the current workspace only';
COMMENT ON POLICY activity_counts_analyst_read ON clarky.activity_counts IS
'Analysts read the counts of every workspace';

------------------------------------------------------------------------------
-- API keys
------------------------------------------------------------------------------

CREATE TABLE clarky.api_keys (
	id				text COLLATE "C" NOT NULL,
	workspace_id	text COLLATE "C" NOT NULL,
	key_hash		bytea NOT NULL,
	key_prefix		text NOT NULL,
	scopes			text[] NOT NULL,
	name			text,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	revoked_at		timestamptz,

	CONSTRAINT api_keys_pkey PRIMARY KEY (id),
	CONSTRAINT api_keys_key_hash_key UNIQUE (key_hash),
	CONSTRAINT api_keys_workspace_id_not_empty
		CHECK (workspace_id OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT api_keys_scopes_valid
		CHECK (scopes OPERATOR(pg_catalog.=) '{read}'::text[]
			   OR scopes OPERATOR(pg_catalog.=) '{read,write}'::text[])
);

SELECT pg_catalog.pg_extension_config_dump('clarky.api_keys', '');

COMMENT ON TABLE clarky.api_keys IS
'HTTP API keys: each bound to one workspace, with the read or read+write scope; only a SHA-256 of the key is kept';
COMMENT ON COLUMN clarky.api_keys.id IS 'The key''s id ("k_" and a ULID), for listing and revoking';
COMMENT ON COLUMN clarky.api_keys.workspace_id IS 'The workspace everything done with the key is confined to';
COMMENT ON COLUMN clarky.api_keys.key_hash IS 'SHA-256 of the key; the key itself is never stored';
COMMENT ON COLUMN clarky.api_keys.key_prefix IS 'The key''s first 12 characters, to recognise it';
COMMENT ON COLUMN clarky.api_keys.scopes IS '{read} or {read,write}';
COMMENT ON COLUMN clarky.api_keys.name IS 'What the key is for';
COMMENT ON COLUMN clarky.api_keys.created_at IS 'When the key was created';
COMMENT ON COLUMN clarky.api_keys.revoked_at IS 'When the key was revoked; a revoked key is refused at once';
COMMENT ON CONSTRAINT api_keys_pkey ON clarky.api_keys IS 'Key ids are unique';
COMMENT ON CONSTRAINT api_keys_key_hash_key ON clarky.api_keys IS 'Looks a key up by its hash';
COMMENT ON CONSTRAINT api_keys_workspace_id_not_empty ON clarky.api_keys IS 'A key is bound to a named workspace';
COMMENT ON CONSTRAINT api_keys_scopes_valid ON clarky.api_keys IS 'A key reads, or reads and writes';

CREATE FUNCTION clarky.generate_api_key() RETURNS text
AS 'MODULE_PATHNAME', 'clarky_generate_api_key'
LANGUAGE C VOLATILE STRICT PARALLEL RESTRICTED;

COMMENT ON FUNCTION clarky.generate_api_key() IS
'A new random API key: "ck_live_" and 30 characters (150 random bits); stores nothing';

CREATE FUNCTION clarky.create_api_key(workspace_id text, scopes text[], name text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
	key text := clarky.generate_api_key();
	normalized text[];
BEGIN
	IF workspace_id IS NULL OR workspace_id = '' THEN
		RAISE EXCEPTION 'parameter "workspace_id" must not be empty'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'workspace_id';
	END IF;
	IF char_length(workspace_id) > 255 THEN
		RAISE EXCEPTION 'parameter "workspace_id" is too long'
			USING ERRCODE = 'string_data_right_truncation', COLUMN = 'workspace_id',
				  DETAIL = 'A workspace id has at most 255 characters.';
	END IF;
	IF scopes IS NULL OR cardinality(scopes) = 0
	   OR array_position(scopes, NULL) IS NOT NULL
	   OR NOT scopes <@ ARRAY['read', 'write'] THEN
		RAISE EXCEPTION 'parameter "scopes" must be {read} or {read,write}'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'scopes',
				  HINT = 'The write scope includes read.';
	END IF;
	-- write implies read
	normalized := CASE WHEN 'write' = ANY (scopes) THEN ARRAY['read', 'write'] ELSE ARRAY['read'] END;

	INSERT INTO clarky.api_keys (id, workspace_id, key_hash, key_prefix, scopes, name)
	VALUES ('k_' || substr(clarky.new_activity_id(), 3), workspace_id,
			sha256(convert_to(key, 'UTF8')), left(key, 12), normalized, name);
	RETURN key;
END
$function$;

COMMENT ON FUNCTION clarky.create_api_key(text, text[], text) IS
'Create an API key bound to workspace_id with scopes {read} or {read,write}; returns the key, which is shown this once and stored only as a hash';

CREATE FUNCTION clarky.list_api_keys()
RETURNS TABLE (id text, workspace_id text, name text, key_prefix text, scopes text[],
			   created_at timestamptz, revoked_at timestamptz)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $function$
	SELECT k.id, k.workspace_id, k.name, k.key_prefix, k.scopes, k.created_at, k.revoked_at
	FROM clarky.api_keys AS k
	ORDER BY k.workspace_id, k.created_at, k.id
$function$;

COMMENT ON FUNCTION clarky.list_api_keys() IS
'Every API key: id, workspace, name, first 12 characters, scopes, created and revoked times (never the key)';

CREATE FUNCTION clarky.revoke_api_key(key_or_id text) RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
	WITH revoked AS (
		UPDATE clarky.api_keys AS k SET revoked_at = now()
		WHERE (k.id = key_or_id OR k.key_hash = sha256(convert_to(key_or_id, 'UTF8')))
		  AND k.revoked_at IS NULL
		RETURNING 1
	)
	SELECT count(*) > 0 FROM revoked
$function$;

COMMENT ON FUNCTION clarky.revoke_api_key(text) IS
'Revoke an API key, given the key or its id; it is refused from the next request on. Returns false if there was no such unrevoked key';

-- SECURITY DEFINER: the pre-request function runs as the anonymous role,
-- which may not read clarky.api_keys; this reveals only the workspace and
-- scope of the one key presented, and nothing for an unknown or revoked one.
CREATE FUNCTION clarky.resolve_api_key(key text)
RETURNS TABLE (workspace_id text, scope text)
LANGUAGE sql STABLE STRICT SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $function$
	SELECT k.workspace_id, CASE WHEN 'write' = ANY (k.scopes) THEN 'write' ELSE 'read' END
	FROM clarky.api_keys AS k
	WHERE k.key_hash = sha256(convert_to(key, 'UTF8')) AND k.revoked_at IS NULL
$function$;

COMMENT ON FUNCTION clarky.resolve_api_key(text) IS
'The workspace and scope (read or write) of an unrevoked API key; no row for an unknown or revoked key';

------------------------------------------------------------------------------
-- The HTTP API, exposed by PostgREST (db-schemas = "clarky_api")
------------------------------------------------------------------------------

CREATE SCHEMA clarky_api;

COMMENT ON SCHEMA clarky_api IS
'Clarky Activities API

The timeline of CRM activities (notes, calls, meetings, video calls, tasks, todos, reminders) on contacts and companies. Authenticate with an API key (X-Api-Key, or Authorization: Bearer ck_live_... through the nginx front).';

CREATE FUNCTION clarky_api.contact_activities(
	contact_id text DEFAULT NULL,
	activity_type text DEFAULT NULL,
	page text DEFAULT NULL,
	page_size text DEFAULT NULL
) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_contact_activities'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.contact_activities(text, text, text, text) IS
'List a contact''s activities

GET /api/v1/contacts/{contact_id}/activities: a paginated, reverse-chronological timeline of the activities on one contact in the key''s workspace. activity_type filters to one type; page (from 1) and page_size (1 to 100, default 25) paginate. 200 with {"data": [...], "pagination": {...}}; 422 validation_error naming the field; 401; 403.';

CREATE FUNCTION clarky_api.company_activities(
	company_id text DEFAULT NULL,
	activity_type text DEFAULT NULL,
	page text DEFAULT NULL,
	page_size text DEFAULT NULL
) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_company_activities'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.company_activities(text, text, text, text) IS
'List a company''s activities

GET /api/v1/companies/{company_id}/activities: a paginated, reverse-chronological timeline of the activities on one company in the key''s workspace. Parameters and answers as for a contact''s activities.';

CREATE FUNCTION clarky_api.log_activity(jsonb) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_log_activity'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.log_activity(jsonb) IS
'Log an activity

POST /api/v1/activities with the activity as a JSON object: activity_type, contact_id and/or company_id, title, description, due_date, duration_minutes, completed_at, metadata, occurred_at. Needs a key with the write scope. 201 with {"data": activity}; 422 validation_error naming the field; 400 bad_request; 401; 403.';

-- SECURITY INVOKER: it switches role (set_config('role')), which a
-- SECURITY DEFINER function may not do.
CREATE FUNCTION clarky_api.pre_request() RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
	claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
	headers jsonb := nullif(current_setting('request.headers', true), '')::jsonb;
	api_key text := headers ->> 'x-api-key';
	key_workspace text;
	key_scope text;
BEGIN
	-- Nothing carries over from an earlier request on this connection.
	PERFORM set_config('clarky.workspace_id', '', true),
			set_config('clarky.scope', '', true),
			set_config('clarky.auth_error', '', true);

	-- A PostgREST JWT, verified by PostgREST: the role says the scope, the
	-- claim workspace_id the workspace.
	IF claims ->> 'role' IN ('clarky_reader', 'clarky_writer') THEN
		IF coalesce(claims ->> 'workspace_id', '') = '' THEN
			PERFORM set_config('clarky.auth_error', 'the token has no workspace_id claim', true);
		ELSE
			PERFORM set_config('clarky.workspace_id', claims ->> 'workspace_id', true),
					set_config('clarky.scope',
							   CASE claims ->> 'role' WHEN 'clarky_writer' THEN 'write' ELSE 'read' END,
							   true);
		END IF;
		RETURN;
	END IF;

	-- Otherwise a Clarky API key, in X-Api-Key.  Failures are reported by
	-- the API function, as Clarky's envelope with status 401.
	IF api_key IS NULL OR api_key = '' THEN
		PERFORM set_config('clarky.auth_error', 'missing API key', true);
		RETURN;
	END IF;
	IF api_key !~ '^ck_live_[0-9a-z]{30,31}$' THEN
		PERFORM set_config('clarky.auth_error', 'malformed API key', true);
		RETURN;
	END IF;
	SELECT r.workspace_id, r.scope INTO key_workspace, key_scope
	FROM clarky.resolve_api_key(api_key) AS r;
	IF key_workspace IS NULL THEN
		PERFORM set_config('clarky.auth_error', 'unknown or revoked API key', true);
		RETURN;
	END IF;

	PERFORM set_config('clarky.workspace_id', key_workspace, true),
			set_config('clarky.scope', key_scope, true),
			set_config('role', CASE key_scope WHEN 'write' THEN 'clarky_writer' ELSE 'clarky_reader' END, true);
END
$function$;

COMMENT ON FUNCTION clarky_api.pre_request() IS
'PostgREST''s db-pre-request: identifies the caller by its API key (X-Api-Key) or JWT, binds its workspace and scope transaction-locally and switches to the reader or writer role; an unidentified caller is answered 401 by the API function';

------------------------------------------------------------------------------
-- Privileges
------------------------------------------------------------------------------

GRANT USAGE ON SCHEMA clarky TO clarky_anon, clarky_reader, clarky_writer, clarky_analyst, clarky_admin;
GRANT USAGE ON SCHEMA clarky_api TO clarky_anon, clarky_reader, clarky_writer;

GRANT SELECT ON clarky.activities TO clarky_reader, clarky_writer, clarky_analyst;
GRANT SELECT ON clarky.activity_counts TO clarky_reader, clarky_writer, clarky_analyst;
GRANT INSERT ON clarky.activities TO clarky_writer;
GRANT SELECT, INSERT, UPDATE ON clarky.api_keys TO clarky_admin;

-- Nothing that writes is executable by PUBLIC.
REVOKE ALL ON FUNCTION clarky.log_activity(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky.log_activity(jsonb) TO clarky_writer;

-- The trigger function is no use to call; recounting is for the owner.
REVOKE ALL ON FUNCTION clarky.activity_counts_trigger() FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.rebuild_activity_counts() FROM PUBLIC;

REVOKE ALL ON FUNCTION clarky.generate_api_key() FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.create_api_key(text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.list_api_keys() FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.revoke_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky.generate_api_key() TO clarky_admin;
GRANT EXECUTE ON FUNCTION clarky.create_api_key(text, text[], text) TO clarky_admin;
GRANT EXECUTE ON FUNCTION clarky.list_api_keys() TO clarky_admin;
GRANT EXECUTE ON FUNCTION clarky.revoke_api_key(text) TO clarky_admin;

REVOKE ALL ON FUNCTION clarky.resolve_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky.resolve_api_key(text) TO clarky_anon;

-- The anonymous and reader roles may call every API function, so that they
-- are told 401 or 403 in Clarky's envelope; the table grants above, the
-- scope check in C and row-level security keep them from writing.
REVOKE ALL ON FUNCTION clarky_api.contact_activities(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.company_activities(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.log_activity(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.pre_request() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky_api.contact_activities(text, text, text, text) TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.company_activities(text, text, text, text) TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.log_activity(jsonb) TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.pre_request() TO clarky_anon, clarky_reader, clarky_writer;

-- Tell a running PostgREST to reload its schema cache.
NOTIFY pgrst, 'reload schema';
