-- bench/reference.sql: the baseline the extension must beat.
--
-- The same API as the extension (log an activity; a contact's or company's
-- timeline with its total, an optional type filter, pagination), written as
-- a competent engineer would write it in plain SQL and PL/pgSQL, on the same
-- table (clarky.activities) and the same indexes.  Timelines and their
-- totals hold live activities only (deleted_at IS NULL), which is also what
-- lets them use the partial timeline indexes.  It returns the same JSON:
-- the same keys in the same order, timestamps in UTC with milliseconds and
-- "Z", duration_minutes a number, metadata an object, absent values null.
-- (json_build_object spaces its output as '"key" : value'; the extension
-- writes '"key": value'.  The JSON values are the same, which bench/check.sql
-- verifies, with the key order.)
--
-- Efficient, not a strawman: every query is schema-qualified, planned once
-- and cached by PL/pgSQL, filters on the workspace and the owner so that
-- each of a timeline's roads (1.3.0: the primary owner's index and the
-- owner's ranges of clarky.activity_links) is one range scan of the
-- extension's indexes read in order, and counts with index-only scans.  The
-- row's JSON comes from an inlined SQL function.  What it does not do is
-- what the C code does beyond plain SQL (see docs/benchmarks.md): it always
-- runs the counts behind "total", and it pages with LIMIT/OFFSET over the
-- full rows.
--
-- bench_ref.company_people_activities is the baseline of the issue-10
-- company cases: a company's timeline written without roads through people,
-- as the union of its contacts' timelines, sorted.
--
-- The log function validates the fields of 1.0 and 1.1.0 (one contact and
-- one company; it refuses contact_ids and company_ids as unknown fields) and
-- renders contact_ids and company_ids from them; the cost of tagging is
-- measured against the extension's own log of one contact.
--
-- Validation follows the extension's rules and SQLSTATEs (README, "Errors"),
-- naming the field in COLUMN, with PostgreSQL's own timestamp parser behind
-- a strict ISO 8601 pattern.  No EXCEPTION blocks: each would open a
-- subtransaction on every call.
--
-- The same log function, from one template, also writes the lean table of
-- bench/lean.sql (bench_lean.log_activity): the second write baseline, the
-- same validation in front of the table a user would build by hand.

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_ref CASCADE;
CREATE SCHEMA bench_ref;
COMMENT ON SCHEMA bench_ref IS
'Benchmark baseline: the clarky_activity API in plain SQL and PL/pgSQL';

-- A timestamp as the API renders it: UTC, milliseconds, Z
CREATE FUNCTION bench_ref.iso8601(ts timestamptz) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT pg_catalog.to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') $$;

-- One activity as the API's JSON object, keys in the API's order; since
-- 1.3.0 contact_ids and company_ids last: the primary one first, then the
-- others (other_contact_ids, other_company_ids), [] where there is none.  A
-- single SELECT of an expression, neither STRICT nor SET: the planner
-- inlines it.
CREATE FUNCTION bench_ref.activity_json(
	id text, contact_id text, company_id text, activity_type clarky.activity_type,
	title text, description text, due_date timestamptz, duration_minutes numeric,
	completed_at timestamptz, metadata jsonb, created_at timestamptz,
	occurred_at timestamptz, owner_id text, updated_at timestamptz,
	version integer, other_contact_ids text[], other_company_ids text[]) RETURNS json
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
	SELECT pg_catalog.json_build_object(
		'id', id,
		'contact_id', contact_id,
		'company_id', company_id,
		'activity_type', activity_type,
		'title', title,
		'description', description,
		'due_date', bench_ref.iso8601(due_date),
		'duration_minutes', duration_minutes,
		'completed_at', bench_ref.iso8601(completed_at),
		'metadata', coalesce(metadata, '{}'::jsonb),
		'created_at', bench_ref.iso8601(created_at),
		'occurred_at', bench_ref.iso8601(occurred_at),
		'owner_id', owner_id,
		'updated_at', bench_ref.iso8601(updated_at),
		'version', version,
		'contact_ids', CASE WHEN contact_id IS NULL THEN '[]'::json
						   ELSE pg_catalog.to_json(pg_catalog.array_prepend(contact_id, other_contact_ids)) END,
		'company_ids', CASE WHEN company_id IS NULL THEN '[]'::json
						   ELSE pg_catalog.to_json(pg_catalog.array_prepend(company_id, other_company_ids)) END)
$$;

-- The two timelines, from one template: @OWNER@ is contact or company.
-- Since 1.3.0 a timeline has several roads, as the extension's
-- (src/links.c): the activities whose primary owner it is (the activities'
-- own timeline index), and the owner's links in clarky.activity_links: a
-- contact's 'contact' links (the activities it is one of the other
-- contacts of), a company's 'company' links and, in scope 'all' (the
-- default), its 'via_company' links (the activities that reached it
-- through its people).  An activity reaches an owner by one road only, so
-- the roads add up (UNION ALL) for the page and for the total.  Each road
-- of a page is read newest first from its index and cut at the page's end
-- (LIMIT page_size + skip), as one would write a merge by hand; a link
-- road joins its activities by key and by occurred_at (a link's is its
-- activity's), so that its rows keep the link index's order and the roads
-- merge without a sort of their rows.  The total is a count(*) of each
-- road.  Two statements per branch (with and without the type filter),
-- each a cached plan: the count behind "total", then the page, in the
-- function's snapshot.  A company's via road sits in both statements
-- under the condition "via" (scope 'all'): a parameter, so in a generic
-- plan a one-time filter, which skips the road in scope 'direct'.
-- The type filter uses the type's leakproof equality, OPERATOR(clarky.=), as
-- the README tells users to outside a search_path with clarky on it: with
-- PostgreSQL's generic enum "=" the type indexes could not be searched under
-- row-level security.
DO $template$
DECLARE
	body constant text := $body$
CREATE FUNCTION bench_ref.@OWNER@_activities(
	@OWNER@_id text,
	activity_type clarky.activity_type DEFAULT NULL,
	page integer DEFAULT 1,
	page_size integer DEFAULT 25@SCOPE_ARG@
) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	ws text := clarky.current_workspace();
	owner_key text := @OWNER@_activities.@OWNER@_id;
	type_filter clarky.activity_type := @OWNER@_activities.activity_type;
	via boolean := false;
	skip bigint;
	total bigint;
	data json;
BEGIN
	@SCOPE_CHECK@
	IF owner_key IS NULL THEN
		RAISE EXCEPTION 'parameter "@OWNER@_id" must not be null'
			USING ERRCODE = 'null_value_not_allowed', COLUMN = '@OWNER@_id';
	ELSIF owner_key = '' THEN
		RAISE EXCEPTION 'parameter "@OWNER@_id" must not be empty'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = '@OWNER@_id';
	ELSIF char_length(owner_key) > 255 THEN
		RAISE EXCEPTION 'parameter "@OWNER@_id" is too long'
			USING ERRCODE = 'string_data_right_truncation', COLUMN = '@OWNER@_id';
	END IF;
	IF page IS NULL OR page_size IS NULL THEN
		RAISE EXCEPTION 'parameter "%" must not be null', CASE WHEN page IS NULL THEN 'page' ELSE 'page_size' END
			USING ERRCODE = 'null_value_not_allowed',
				  COLUMN = CASE WHEN page IS NULL THEN 'page' ELSE 'page_size' END;
	END IF;
	IF page < 1 THEN
		RAISE EXCEPTION 'parameter "page" must be at least 1'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'page';
	END IF;
	IF page_size < 1 OR page_size > 100 THEN
		RAISE EXCEPTION 'parameter "page_size" must be between 1 and 100'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'page_size';
	END IF;
	skip := (page - 1)::bigint * page_size;

	IF type_filter IS NULL THEN
		SELECT @COUNT@ INTO total;

		SELECT coalesce(json_agg(bench_ref.activity_json(
				   a.id, a.contact_id, a.company_id, a.activity_type, a.title,
				   a.description, a.due_date, a.duration_minutes, a.completed_at,
				   a.metadata, a.created_at, a.occurred_at, a.owner_id,
				   a.updated_at, a.version, a.other_contact_ids, a.other_company_ids)
				   ORDER BY a.occurred_at DESC, a.id DESC), '[]'::json)
		INTO data
		FROM (SELECT * FROM (@ROADS@) AS u
			  ORDER BY u.occurred_at DESC, u.id DESC
			  LIMIT page_size OFFSET skip) AS a;
	ELSE
		SELECT @COUNT_TYPE@ INTO total;

		SELECT coalesce(json_agg(bench_ref.activity_json(
				   a.id, a.contact_id, a.company_id, a.activity_type, a.title,
				   a.description, a.due_date, a.duration_minutes, a.completed_at,
				   a.metadata, a.created_at, a.occurred_at, a.owner_id,
				   a.updated_at, a.version, a.other_contact_ids, a.other_company_ids)
				   ORDER BY a.occurred_at DESC, a.id DESC), '[]'::json)
		INTO data
		FROM (SELECT * FROM (@ROADS_TYPE@) AS u
			  ORDER BY u.occurred_at DESC, u.id DESC
			  LIMIT page_size OFFSET skip) AS a;
	END IF;

	RETURN json_build_object(
		'data', data,
		'pagination', json_build_object(
			'page', page,
			'page_size', page_size,
			'total', total,
			'total_pages', (total + page_size - 1) / page_size));
END
$$
$body$;
	owner text;
	link text;
	typed boolean;
	f text;
	cond text;
	fn text;
	roads text;
	counts text;
BEGIN
	FOREACH owner IN ARRAY ARRAY['contact', 'company'] LOOP
		fn := body;
		FOREACH typed IN ARRAY ARRAY[false, true] LOOP
			f := CASE WHEN typed THEN ' AND %s.activity_type OPERATOR(clarky.=) type_filter' ELSE '' END;
			-- the primary road
			roads := format('(SELECT x.* FROM clarky.activities AS x'
							' WHERE x.workspace_id = ws AND x.%s_id = owner_key AND x.deleted_at IS NULL%s'
							' ORDER BY x.occurred_at DESC, x.id DESC LIMIT page_size + skip)',
							owner, format(f, 'x'));
			counts := format('(SELECT count(*) FROM clarky.activities AS x'
							 ' WHERE x.workspace_id = ws AND x.%s_id = owner_key AND x.deleted_at IS NULL%s)',
							 owner, format(f, 'x'));
			-- the link roads
			FOREACH link IN ARRAY CASE owner WHEN 'contact' THEN ARRAY['contact']
										 ELSE ARRAY['company', 'via_company'] END LOOP
				cond := CASE WHEN link = 'via_company' THEN 'via AND ' ELSE '' END;
				roads := roads || format(
					' UNION ALL (SELECT x.* FROM clarky.activity_links AS l'
					' JOIN clarky.activities AS x ON x.workspace_id = l.workspace_id'
					' AND x.id = l.activity_id AND x.occurred_at = l.occurred_at AND x.deleted_at IS NULL'
					' WHERE %sl.workspace_id = ws AND l.owner_kind = %L AND l.owner_id = owner_key%s'
					' ORDER BY l.occurred_at DESC, l.activity_id DESC LIMIT page_size + skip)',
					cond, link, format(f, 'l'));
				counts := counts || format(
					' + (SELECT count(*) FROM clarky.activity_links AS l'
					' WHERE %sl.workspace_id = ws AND l.owner_kind = %L AND l.owner_id = owner_key%s)',
					cond, link, format(f, 'l'));
			END LOOP;
			fn := replace(fn, CASE WHEN typed THEN '@ROADS_TYPE@' ELSE '@ROADS@' END, roads);
			fn := replace(fn, CASE WHEN typed THEN '@COUNT_TYPE@' ELSE '@COUNT@' END, counts);
		END LOOP;
		IF owner = 'company' THEN
			-- the scope is checked first, as the extension does
			fn := replace(fn, '@SCOPE_ARG@', E',\n\tscope text DEFAULT ''all''');
			fn := replace(fn, '@SCOPE_CHECK@', $scope$IF scope IS NOT NULL AND scope <> 'all' AND scope <> 'direct' THEN
		RAISE EXCEPTION 'parameter "scope" must be all or direct'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'scope';
	END IF;
	via := scope IS NULL OR scope = 'all';$scope$);
		ELSE
			fn := replace(replace(fn, '@SCOPE_ARG@', ''), '@SCOPE_CHECK@', '');
		END IF;
		EXECUTE replace(fn, '@OWNER@', owner);
	END LOOP;
END
$template$;

-- A company's whole timeline as it is written without the extension's
-- roads through people: the union of the company's own timeline (its
-- primary road and its 'company' links) and the timelines of each of its
-- contacts now (clarky.company_memberships; a contact's timeline is its
-- primary road and its 'contact' links), without duplicates (an activity
-- on two of its contacts, or on a contact and on the company, is one
-- entry), sorted.  The baseline of the issue-10 company cases, the
-- competent way: each road is cut at the page's end (a contact's by a
-- LATERAL subquery per contact), read by index-only scans of the
-- (occurred_at, id) keys, the page's ids sorted and only then its rows
-- fetched by key; the total counts the distinct ids of every road.  It
-- answers what the extension's scope 'all' answers where each membership
-- was in place before the contact's activities were logged (so on the
-- company data set, bench/generate_company.sql, which bench/check_company.sql
-- verifies): the extension decides a company's roads when an activity is
-- written, this when the timeline is read.
DO $template$
DECLARE
	body constant text := $body$
CREATE FUNCTION bench_ref.company_people_activities(
	company_id text,
	activity_type clarky.activity_type DEFAULT NULL,
	page integer DEFAULT 1,
	page_size integer DEFAULT 25
) RETURNS json
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	ws text := clarky.current_workspace();
	owner_key text := company_people_activities.company_id;
	type_filter clarky.activity_type := company_people_activities.activity_type;
	skip bigint;
	total bigint;
	data json;
BEGIN
	IF owner_key IS NULL THEN
		RAISE EXCEPTION 'parameter "company_id" must not be null'
			USING ERRCODE = 'null_value_not_allowed', COLUMN = 'company_id';
	ELSIF owner_key = '' THEN
		RAISE EXCEPTION 'parameter "company_id" must not be empty'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'company_id';
	ELSIF char_length(owner_key) > 255 THEN
		RAISE EXCEPTION 'parameter "company_id" is too long'
			USING ERRCODE = 'string_data_right_truncation', COLUMN = 'company_id';
	END IF;
	IF page IS NULL OR page_size IS NULL THEN
		RAISE EXCEPTION 'parameter "%" must not be null', CASE WHEN page IS NULL THEN 'page' ELSE 'page_size' END
			USING ERRCODE = 'null_value_not_allowed',
				  COLUMN = CASE WHEN page IS NULL THEN 'page' ELSE 'page_size' END;
	END IF;
	IF page < 1 THEN
		RAISE EXCEPTION 'parameter "page" must be at least 1'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'page';
	END IF;
	IF page_size < 1 OR page_size > 100 THEN
		RAISE EXCEPTION 'parameter "page_size" must be between 1 and 100'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'page_size';
	END IF;
	skip := (page - 1)::bigint * page_size;

	IF type_filter IS NULL THEN
		SELECT count(*) INTO total FROM (@IDS@) AS u;

		SELECT coalesce(json_agg(bench_ref.activity_json(
				   a.id, a.contact_id, a.company_id, a.activity_type, a.title,
				   a.description, a.due_date, a.duration_minutes, a.completed_at,
				   a.metadata, a.created_at, a.occurred_at, a.owner_id,
				   a.updated_at, a.version, a.other_contact_ids, a.other_company_ids)
				   ORDER BY a.occurred_at DESC, a.id DESC), '[]'::json)
		INTO data
		FROM clarky.activities AS a
		WHERE a.workspace_id = ws AND a.deleted_at IS NULL
		  AND a.id = ANY (ARRAY(SELECT u.id FROM (@KEYS@) AS u (occurred_at, id)
								ORDER BY u.occurred_at DESC, u.id DESC
								LIMIT page_size OFFSET skip));
	ELSE
		SELECT count(*) INTO total FROM (@IDS_TYPE@) AS u;

		SELECT coalesce(json_agg(bench_ref.activity_json(
				   a.id, a.contact_id, a.company_id, a.activity_type, a.title,
				   a.description, a.due_date, a.duration_minutes, a.completed_at,
				   a.metadata, a.created_at, a.occurred_at, a.owner_id,
				   a.updated_at, a.version, a.other_contact_ids, a.other_company_ids)
				   ORDER BY a.occurred_at DESC, a.id DESC), '[]'::json)
		INTO data
		FROM clarky.activities AS a
		WHERE a.workspace_id = ws AND a.deleted_at IS NULL
		  AND a.id = ANY (ARRAY(SELECT u.id FROM (@KEYS_TYPE@) AS u (occurred_at, id)
								ORDER BY u.occurred_at DESC, u.id DESC
								LIMIT page_size OFFSET skip));
	END IF;

	RETURN json_build_object(
		'data', data,
		'pagination', json_build_object(
			'page', page,
			'page_size', page_size,
			'total', total,
			'total_pages', (total + page_size - 1) / page_size));
END
$$
$body$;
	typed boolean;
	f text;
	fn text := body;
	cut constant text := ' LIMIT page_size + skip';
BEGIN
	FOREACH typed IN ARRAY ARRAY[false, true] LOOP
		f := CASE WHEN typed THEN ' AND %s.activity_type OPERATOR(clarky.=) type_filter' ELSE '' END;
		-- every id of every road, for the total
		fn := replace(fn, CASE WHEN typed THEN '@IDS_TYPE@' ELSE '@IDS@' END, format(
			'SELECT x.id FROM clarky.activities AS x'
			' WHERE x.workspace_id = ws AND x.company_id = owner_key AND x.deleted_at IS NULL%1$s'
			' UNION SELECT l.activity_id FROM clarky.activity_links AS l'
			' WHERE l.workspace_id = ws AND l.owner_kind = ''company'' AND l.owner_id = owner_key%2$s'
			' UNION SELECT x.id FROM clarky.company_memberships AS m'
			' JOIN clarky.activities AS x ON x.workspace_id = m.workspace_id AND x.contact_id = m.contact_id'
			' AND x.deleted_at IS NULL%1$s'
			' WHERE m.workspace_id = ws AND m.company_id = owner_key'
			' UNION SELECT l.activity_id FROM clarky.company_memberships AS m'
			' JOIN clarky.activity_links AS l ON l.workspace_id = m.workspace_id AND l.owner_kind = ''contact'''
			' AND l.owner_id = m.contact_id%2$s'
			' WHERE m.workspace_id = ws AND m.company_id = owner_key',
			format(f, 'x'), format(f, 'l')));
		-- the keys of each road down to the page's end, for the page
		fn := replace(fn, CASE WHEN typed THEN '@KEYS_TYPE@' ELSE '@KEYS@' END, format(
			'(SELECT x.occurred_at, x.id FROM clarky.activities AS x'
			' WHERE x.workspace_id = ws AND x.company_id = owner_key AND x.deleted_at IS NULL%1$s'
			' ORDER BY x.occurred_at DESC, x.id DESC%3$s)'
			' UNION (SELECT l.occurred_at, l.activity_id FROM clarky.activity_links AS l'
			' WHERE l.workspace_id = ws AND l.owner_kind = ''company'' AND l.owner_id = owner_key%2$s'
			' ORDER BY l.occurred_at DESC, l.activity_id DESC%3$s)'
			' UNION SELECT t.occurred_at, t.id FROM clarky.company_memberships AS m'
			' CROSS JOIN LATERAL ('
			'(SELECT x.occurred_at, x.id FROM clarky.activities AS x'
			' WHERE x.workspace_id = m.workspace_id AND x.contact_id = m.contact_id AND x.deleted_at IS NULL%1$s'
			' ORDER BY x.occurred_at DESC, x.id DESC%3$s)'
			' UNION ALL (SELECT l.occurred_at, l.activity_id FROM clarky.activity_links AS l'
			' WHERE l.workspace_id = m.workspace_id AND l.owner_kind = ''contact'' AND l.owner_id = m.contact_id%2$s'
			' ORDER BY l.occurred_at DESC, l.activity_id DESC%3$s)) AS t (occurred_at, id)'
			' WHERE m.workspace_id = ws AND m.company_id = owner_key',
			format(f, 'x'), format(f, 'l'), cut));
	END LOOP;
	EXECUTE fn;
END
$template$;

-- A timestamp field of a payload: a JSON string in strict ISO 8601
-- (YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or +-HH:MM), parsed by
-- PostgreSQL (which also rejects days that do not exist); years 0001-9999.
CREATE FUNCTION bench_ref.timestamp_field(field text, v jsonb) RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
	s text;
	m text[];
	ts timestamptz;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'string' THEN
		RAISE EXCEPTION 'field "%" must be an ISO 8601 timestamp string', field
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
	END IF;
	s := v #>> '{}';
	m := regexp_match(s, '^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?([Zz]|[+-](\d{2}):(\d{2})))?$');
	IF m IS NULL THEN
		RAISE EXCEPTION 'field "%" is not an ISO 8601 timestamp', field
			USING ERRCODE = 'invalid_datetime_format', COLUMN = field;
	END IF;
	IF m[1] = '0000' OR m[2]::int NOT BETWEEN 1 AND 12 OR m[3]::int < 1
	   OR m[3]::int > extract(day FROM make_date(m[1]::int, m[2]::int, 1) + interval '1 month - 1 day')
	   OR m[4]::int > 23 OR m[5]::int > 59 OR m[6]::int > 59
	   OR m[8]::int > 23 OR m[9]::int > 59 THEN
		RAISE EXCEPTION 'field "%" is out of range', field
			USING ERRCODE = 'datetime_field_overflow', COLUMN = field;
	END IF;
	-- a bare date is midnight UTC, whatever the session's TimeZone
	ts := CASE WHEN m[4] IS NULL THEN (s || 'T00:00:00Z')::timestamptz ELSE s::timestamptz END;
	IF ts < '0001-01-01 00:00:00+00' OR ts >= '10000-01-01 00:00:00+00' THEN
		RAISE EXCEPTION 'field "%" is out of range', field
			USING ERRCODE = 'datetime_field_overflow', COLUMN = field;
	END IF;
	RETURN ts;
END
$$;

-- A string field of a payload, or NULL where absent; at most max_chars
CREATE FUNCTION bench_ref.string_field(field text, v jsonb, max_chars integer) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
	s text;
BEGIN
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RETURN NULL;
	END IF;
	IF jsonb_typeof(v) <> 'string' THEN
		RAISE EXCEPTION 'field "%" must be a string', field
			USING ERRCODE = 'invalid_parameter_value', COLUMN = field;
	END IF;
	s := v #>> '{}';
	IF char_length(s) > max_chars THEN
		RAISE EXCEPTION 'field "%" is too long', field
			USING ERRCODE = 'string_data_right_truncation', COLUMN = field;
	END IF;
	RETURN s;
END
$$;

-- Log an activity: validate the whole payload, then one INSERT ... RETURNING.
-- One template, two functions: @NAME@ is the function, @WRITE@ its INSERT
-- (into clarky.activities for the reference, into the lean table of
-- bench/lean.sql for bench_lean.log_activity), which leaves the activity's
-- JSON in result.  The validation is the same text in both.
CREATE SCHEMA IF NOT EXISTS bench_lean;
DO $template$
DECLARE
	body constant text := $body$
CREATE OR REPLACE FUNCTION @NAME@(payload jsonb) RETURNS json
LANGUAGE plpgsql VOLATILE
AS $$
DECLARE
	unknown text;
	v jsonb;
	v_activity_type text;
	v_contact_id text;
	v_company_id text;
	v_title text;
	v_description text;
	v_due_date timestamptz;
	duration numeric;
	v_completed_at timestamptz;
	v_metadata jsonb;
	v_occurred_at timestamptz;
	v_owner_id text;
	result json;
BEGIN
	IF payload IS NULL THEN
		RAISE EXCEPTION 'activity payload must not be null'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF jsonb_typeof(payload) <> 'object' THEN
		RAISE EXCEPTION 'activity payload must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value';
	END IF;

	-- the first unknown key, in jsonb's key order
	SELECT k INTO unknown
	FROM jsonb_object_keys(payload) AS k
	WHERE k <> ALL ('{activity_type,contact_id,company_id,title,description,due_date,duration_minutes,completed_at,metadata,occurred_at,owner_id}'::text[])
	LIMIT 1;
	IF unknown IS NOT NULL THEN
		RAISE EXCEPTION 'unknown field "%" in activity payload', left(unknown, 100)
			USING ERRCODE = 'invalid_parameter_value', COLUMN = left(unknown, 100);
	END IF;

	v := payload -> 'activity_type';
	IF v IS NULL OR jsonb_typeof(v) = 'null' THEN
		RAISE EXCEPTION 'field "activity_type" is required'
			USING ERRCODE = 'not_null_violation', COLUMN = 'activity_type';
	END IF;
	IF jsonb_typeof(v) <> 'string' THEN
		RAISE EXCEPTION 'field "activity_type" must be a string'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'activity_type';
	END IF;
	v_activity_type := v #>> '{}';
	IF v_activity_type <> ALL ('{note,call,meeting,video_call,task,todo,reminder}'::text[]) THEN
		RAISE EXCEPTION 'field "activity_type" must be one of note, call, meeting, video_call, task, todo, reminder'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'activity_type';
	END IF;

	v_contact_id := bench_ref.string_field('contact_id', payload -> 'contact_id', 255);
	IF v_contact_id = '' THEN
		RAISE EXCEPTION 'field "contact_id" must not be empty'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'contact_id';
	END IF;
	v_company_id := bench_ref.string_field('company_id', payload -> 'company_id', 255);
	IF v_company_id = '' THEN
		RAISE EXCEPTION 'field "company_id" must not be empty'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'company_id';
	END IF;
	v_title := bench_ref.string_field('title', payload -> 'title', 1000);
	v_description := bench_ref.string_field('description', payload -> 'description', 100000);
	v_due_date := bench_ref.timestamp_field('due_date', payload -> 'due_date');

	v := payload -> 'duration_minutes';
	IF v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
		IF jsonb_typeof(v) <> 'number' THEN
			RAISE EXCEPTION 'field "duration_minutes" must be a number'
				USING ERRCODE = 'invalid_parameter_value', COLUMN = 'duration_minutes';
		END IF;
		duration := v::numeric;
		IF duration < 0 OR duration > 1000000 THEN
			RAISE EXCEPTION 'field "duration_minutes" must be between 0 and 1000000'
				USING ERRCODE = 'numeric_value_out_of_range', COLUMN = 'duration_minutes';
		END IF;
	END IF;

	v_completed_at := bench_ref.timestamp_field('completed_at', payload -> 'completed_at');

	v := payload -> 'metadata';
	IF v IS NOT NULL AND jsonb_typeof(v) <> 'null' THEN
		IF jsonb_typeof(v) <> 'object' THEN
			RAISE EXCEPTION 'field "metadata" must be a JSON object'
				USING ERRCODE = 'invalid_parameter_value', COLUMN = 'metadata';
		END IF;
		IF octet_length(v::text) > 65536 THEN
			RAISE EXCEPTION 'field "metadata" is too large'
				USING ERRCODE = 'program_limit_exceeded', COLUMN = 'metadata';
		END IF;
		-- at most 32 levels of nesting, the object itself being level 1
		IF jsonb_path_exists(v, 'strict $.**{32} ? (@.type() == "object" || @.type() == "array")') THEN
			RAISE EXCEPTION 'field "metadata" is nested too deeply'
				USING ERRCODE = 'program_limit_exceeded', COLUMN = 'metadata';
		END IF;
		v_metadata := v;
	END IF;

	v_occurred_at := bench_ref.timestamp_field('occurred_at', payload -> 'occurred_at');

	v_owner_id := bench_ref.string_field('owner_id', payload -> 'owner_id', 255);
	IF v_owner_id = '' THEN
		RAISE EXCEPTION 'field "owner_id" must not be empty'
			USING ERRCODE = 'invalid_parameter_value', COLUMN = 'owner_id';
	END IF;

	IF v_contact_id IS NULL AND v_company_id IS NULL THEN
		RAISE EXCEPTION 'field "contact_id" or "company_id" is required'
			USING ERRCODE = 'check_violation', COLUMN = 'contact_id',
				  CONSTRAINT = 'activities_contact_or_company';
	END IF;

	@WRITE@

	RETURN json_build_object('data', result);
END
$$
$body$;
BEGIN
	-- the reference: the extension's table, which sets the workspace, the
	-- id, created_at, updated_at and version by its defaults
	EXECUTE replace(replace(body, '@NAME@', 'bench_ref.log_activity'), '@WRITE@', $write$
	INSERT INTO clarky.activities AS a
		(contact_id, company_id, activity_type, title, description, due_date,
		 duration_minutes, completed_at, metadata, occurred_at, owner_id)
	VALUES (v_contact_id, v_company_id,
			v_activity_type::clarky.activity_type, v_title,
			v_description, v_due_date, duration,
			v_completed_at, coalesce(v_metadata, '{}'::jsonb),
			coalesce(v_occurred_at, now()), v_owner_id)
	RETURNING bench_ref.activity_json(
		a.id, a.contact_id, a.company_id, a.activity_type, a.title, a.description,
		a.due_date, a.duration_minutes, a.completed_at, a.metadata, a.created_at,
		a.occurred_at, a.owner_id, a.updated_at, a.version, a.other_contact_ids,
		a.other_company_ids)
	INTO result;$write$);

	-- the lean log: the lean table, whose activity has no version or update
	-- time to render, and one contact and one company (its contact_ids and
	-- company_ids)
	EXECUTE replace(replace(body, '@NAME@', 'bench_lean.log_activity'), '@WRITE@', $write$
	INSERT INTO bench_lean.activities AS a
		(contact_id, company_id, activity_type, title, description, due_date,
		 duration_minutes, completed_at, metadata, occurred_at, owner_id)
	VALUES (v_contact_id, v_company_id,
			v_activity_type::bench_lean.activity_type, v_title,
			v_description, v_due_date, duration,
			v_completed_at, coalesce(v_metadata, '{}'::jsonb),
			coalesce(v_occurred_at, now()), v_owner_id)
	RETURNING json_build_object(
		'id', a.id,
		'contact_id', a.contact_id,
		'company_id', a.company_id,
		'activity_type', a.activity_type,
		'title', a.title,
		'description', a.description,
		'due_date', bench_ref.iso8601(a.due_date),
		'duration_minutes', a.duration_minutes,
		'completed_at', bench_ref.iso8601(a.completed_at),
		'metadata', a.metadata,
		'created_at', bench_ref.iso8601(a.created_at),
		'occurred_at', bench_ref.iso8601(a.occurred_at),
		'owner_id', a.owner_id,
		'contact_ids', CASE WHEN a.contact_id IS NULL THEN '[]'::json ELSE pg_catalog.json_build_array(a.contact_id) END,
		'company_ids', CASE WHEN a.company_id IS NULL THEN '[]'::json ELSE pg_catalog.json_build_array(a.company_id) END)
	INTO result;$write$);
END
$template$;

COMMENT ON FUNCTION bench_ref.contact_activities(text, clarky.activity_type, integer, integer) IS
'Baseline: clarky.contact_activities in PL/pgSQL';
COMMENT ON FUNCTION bench_ref.company_activities(text, clarky.activity_type, integer, integer, text) IS
'Baseline: clarky.company_activities in PL/pgSQL';
COMMENT ON FUNCTION bench_ref.company_people_activities(text, clarky.activity_type, integer, integer) IS
'Baseline of the company cases: a company''s timeline as the union of its own and its contacts'' timelines (memberships now), in PL/pgSQL';
COMMENT ON FUNCTION bench_ref.log_activity(jsonb) IS
'Baseline: clarky.log_activity in PL/pgSQL';
COMMENT ON FUNCTION bench_lean.log_activity(jsonb) IS
'Baseline: bench_ref.log_activity''s validation in front of the lean table bench_lean.activities (bench/lean.sql)';

-- The benchmark's application role may call it all
GRANT USAGE ON SCHEMA bench_ref, bench_lean TO PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA bench_ref, bench_lean TO PUBLIC;
