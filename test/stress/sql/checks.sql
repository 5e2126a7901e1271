-- test/stress/sql/checks.sql: helper functions of the stress checks, in a
-- schema "stress" of the database under test (created by the checks, never
-- by the extension).  Run as a superuser, with psql -v ON_ERROR_STOP=1.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS stress;

-- Every (workspace, owner, type) whose count in clarky.activity_counts (the
-- sum over stripes) differs from count(*) of its live activities (deleted_at
-- IS NULL: a soft-deleted activity is in no count).  A sum of 0 (an owner
-- whose activities are all deleted, or stripes that add up to nothing) is
-- the same as no row.
CREATE OR REPLACE FUNCTION stress.count_mismatches()
RETURNS TABLE (workspace_id text, owner_kind text, owner_id text,
			   activity_type clarky.activity_type, counted bigint, kept bigint)
LANGUAGE sql STABLE AS $$
	WITH kept AS (
		SELECT c.workspace_id, c.owner_kind, c.owner_id, t.activity_type, sum(t.n)::bigint AS n
		FROM clarky.activity_counts c
		CROSS JOIN LATERAL (VALUES ('note'::clarky.activity_type, c.notes), ('call', c.calls),
			('meeting', c.meetings), ('video_call', c.video_calls), ('task', c.tasks),
			('todo', c.todos), ('reminder', c.reminders)) AS t (activity_type, n)
		GROUP BY 1, 2, 3, 4
		HAVING sum(t.n) <> 0
	), counted AS (
		SELECT a.workspace_id, 'contact' AS owner_kind, a.contact_id AS owner_id, a.activity_type,
			   count(*) AS n
		FROM clarky.activities a WHERE a.contact_id IS NOT NULL AND a.deleted_at IS NULL
		GROUP BY 1, 2, 3, 4
		UNION ALL
		SELECT a.workspace_id, 'company', a.company_id, a.activity_type, count(*)
		FROM clarky.activities a WHERE a.company_id IS NOT NULL AND a.deleted_at IS NULL
		GROUP BY 1, 2, 3, 4
	)
	SELECT workspace_id, owner_kind, owner_id, activity_type, counted.n, kept.n
	FROM counted FULL JOIN kept USING (workspace_id, owner_kind, owner_id, activity_type)
	WHERE counted.n IS DISTINCT FROM kept.n
$$;

-- Every timeline (per workspace and owner, and per workspace, owner and
-- type) whose pagination total, as clarky.contact_activities and
-- clarky.company_activities answer it, differs from count(*) of its live
-- activities.  Every owner and type that has a row at all is checked, so an
-- owner whose activities are all deleted must answer 0.  page_size 1 makes
-- every non-empty timeline read its total from the counts.  Returns the
-- number of timelines checked as the row with owner_kind 'checked'.
CREATE OR REPLACE FUNCTION stress.total_mismatches()
RETURNS TABLE (workspace_id text, owner_kind text, owner_id text, activity_type text,
			   counted bigint, total bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r record;
	answer json;
	checked bigint := 0;
BEGIN
	FOR r IN
		SELECT a.workspace_id AS ws, 'contact' AS kind, a.contact_id AS owner, NULL::clarky.activity_type AS t,
			   count(*) FILTER (WHERE a.deleted_at IS NULL) AS n
		FROM clarky.activities a WHERE a.contact_id IS NOT NULL GROUP BY 1, 3
		UNION ALL
		SELECT a.workspace_id, 'contact', a.contact_id, a.activity_type,
			   count(*) FILTER (WHERE a.deleted_at IS NULL)
		FROM clarky.activities a WHERE a.contact_id IS NOT NULL GROUP BY 1, 3, 4
		UNION ALL
		SELECT a.workspace_id, 'company', a.company_id, NULL,
			   count(*) FILTER (WHERE a.deleted_at IS NULL)
		FROM clarky.activities a WHERE a.company_id IS NOT NULL GROUP BY 1, 3
		UNION ALL
		SELECT a.workspace_id, 'company', a.company_id, a.activity_type,
			   count(*) FILTER (WHERE a.deleted_at IS NULL)
		FROM clarky.activities a WHERE a.company_id IS NOT NULL GROUP BY 1, 3, 4
	LOOP
		PERFORM set_config('clarky.workspace_id', r.ws, true);
		IF r.kind = 'contact' THEN
			answer := clarky.contact_activities(r.owner, r.t, 1, 1);
		ELSE
			answer := clarky.company_activities(r.owner, r.t, 1, 1);
		END IF;
		checked := checked + 1;
		IF (answer -> 'pagination' ->> 'total')::bigint IS DISTINCT FROM r.n THEN
			workspace_id := r.ws; owner_kind := r.kind; owner_id := r.owner;
			activity_type := r.t; counted := r.n;
			total := (answer -> 'pagination' ->> 'total')::bigint;
			RETURN NEXT;
		END IF;
	END LOOP;
	PERFORM set_config('clarky.workspace_id', '', true);
	workspace_id := NULL; owner_kind := 'checked'; owner_id := NULL; activity_type := NULL;
	counted := checked; total := NULL;
	RETURN NEXT;
END
$$;

-- A page of ids as a number: the first 60 bits of the md5 of the ids joined
-- by commas (0 for an empty page), for pgbench's integer comparisons.
CREATE OR REPLACE FUNCTION stress.ids_hash(ids text)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN ids IS NULL OR ids = '' THEN 0
		   ELSE ('x' || substr(md5(ids), 1, 15))::bit(60)::bigint END
$$;

-- The hash of the ids on a page of a timeline answer
CREATE OR REPLACE FUNCTION stress.answer_hash(answer json)
RETURNS bigint LANGUAGE sql IMMUTABLE AS $$
	SELECT stress.ids_hash(string_agg(e ->> 'id', ',' ORDER BY i))
	FROM json_array_elements(answer -> 'data') WITH ORDINALITY AS d(e, i)
$$;

-- The hash of the ids a page of a contact's timeline should hold, by plain
-- SQL: its live activities only
CREATE OR REPLACE FUNCTION stress.page_hash(ws text, contact text, page integer, page_size integer)
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT stress.ids_hash(string_agg(p.id, ',' ORDER BY p.occurred_at DESC, p.id DESC))
	FROM (SELECT a.id, a.occurred_at FROM clarky.activities a
		  WHERE a.workspace_id = ws AND a.contact_id = contact AND a.deleted_at IS NULL
		  ORDER BY a.occurred_at DESC, a.id DESC
		  LIMIT page_size OFFSET (page - 1)::bigint * page_size) p
$$;

-- Every timeline (per workspace and owner, and per type for the owners named
-- in typed_owners) read through to its end with clarky.contact_activities and
-- clarky.company_activities, pages of 100, compared with plain SQL: the ids
-- in order must be exactly its live activities, newest first, each page
-- with the true total.  One row per timeline that differs (what differs:
-- 'order' for the ids, 'total' for a page's total, or 'deleted' when a
-- deleted activity is on it), and the row owner_kind 'checked' with the
-- number of timelines and pages read and of deleted activities seen on
-- them (must be 0) in counted, pages, deleted_seen.
CREATE OR REPLACE FUNCTION stress.timeline_mismatches(typed_owners text[] DEFAULT '{}')
RETURNS TABLE (workspace_id text, owner_kind text, owner_id text, activity_type text,
			   what text, counted bigint, pages bigint, deleted_seen bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r record;
	answer json;
	p integer;
	got text[];
	want text[];
	bad_total boolean;
	seen bigint;
	timelines bigint := 0;
	pages_read bigint := 0;
	deleted_total bigint := 0;
BEGIN
	FOR r IN
		SELECT DISTINCT a.workspace_id AS ws, o.kind, o.owner, NULL::clarky.activity_type AS t
		FROM clarky.activities a
		CROSS JOIN LATERAL (VALUES ('contact', a.contact_id), ('company', a.company_id)) AS o (kind, owner)
		WHERE o.owner IS NOT NULL
		UNION ALL
		SELECT DISTINCT a.workspace_id, o.kind, o.owner, a.activity_type
		FROM clarky.activities a
		CROSS JOIN LATERAL (VALUES ('contact', a.contact_id), ('company', a.company_id)) AS o (kind, owner)
		WHERE o.owner = ANY (typed_owners)
	LOOP
		PERFORM set_config('clarky.workspace_id', r.ws, true);
		SELECT coalesce(array_agg(a.id ORDER BY a.occurred_at DESC, a.id DESC), '{}') INTO want
		FROM clarky.activities a
		WHERE a.workspace_id = r.ws AND a.deleted_at IS NULL
		  AND (r.t IS NULL OR a.activity_type = r.t)
		  AND CASE r.kind WHEN 'contact' THEN a.contact_id ELSE a.company_id END = r.owner;
		got := '{}';
		bad_total := false;
		p := 1;
		LOOP
			IF r.kind = 'contact' THEN
				answer := clarky.contact_activities(r.owner, r.t, p, 100);
			ELSE
				answer := clarky.company_activities(r.owner, r.t, p, 100);
			END IF;
			pages_read := pages_read + 1;
			IF (answer -> 'pagination' ->> 'total')::bigint IS DISTINCT FROM cardinality(want)
			   OR (answer -> 'pagination' ->> 'total_pages')::bigint
				  IS DISTINCT FROM ((cardinality(want) + 99) / 100)::bigint THEN
				bad_total := true;
			END IF;
			EXIT WHEN json_array_length(answer -> 'data') = 0;
			got := got || ARRAY(SELECT e ->> 'id' FROM json_array_elements(answer -> 'data')
								   WITH ORDINALITY AS d (e, i) ORDER BY i);
			EXIT WHEN json_array_length(answer -> 'data') < 100 OR p > cardinality(want) / 100 + 1;
			p := p + 1;
		END LOOP;
		SELECT count(*) INTO seen FROM clarky.activities a
		WHERE a.workspace_id = r.ws AND a.id = ANY (got) AND a.deleted_at IS NOT NULL;
		timelines := timelines + 1;
		deleted_total := deleted_total + seen;
		IF got IS DISTINCT FROM want OR bad_total OR seen > 0 THEN
			workspace_id := r.ws; owner_kind := r.kind; owner_id := r.owner; activity_type := r.t;
			what := concat_ws(' ', CASE WHEN got IS DISTINCT FROM want THEN 'order' END,
							  CASE WHEN bad_total THEN 'total' END,
							  CASE WHEN seen > 0 THEN 'deleted' END);
			counted := cardinality(want); pages := p; deleted_seen := seen;
			RETURN NEXT;
		END IF;
	END LOOP;
	PERFORM set_config('clarky.workspace_id', '', true);
	workspace_id := NULL; owner_kind := 'checked'; owner_id := NULL; activity_type := NULL;
	what := NULL; counted := timelines; pages := pages_read; deleted_seen := deleted_total;
	RETURN NEXT;
END
$$;

-- Every activity whose version is not 1 + the number of its changes
-- recorded in the given table (a table with columns id and new_version,
-- one row per successful change, written in the changing transaction), or
-- whose recorded new versions are not exactly 2, 3, ..., version (a
-- version given twice is a lost or doubled change); and every change
-- recorded for an activity that is not there.
CREATE OR REPLACE FUNCTION stress.version_mismatches(changes_table regclass)
RETURNS TABLE (id text, version integer, changes bigint, distinct_versions bigint,
			   lowest integer, highest integer)
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN QUERY EXECUTE format($q$
		SELECT a.id::text, a.version, count(c.new_version), count(DISTINCT c.new_version),
			   min(c.new_version), max(c.new_version)
		FROM clarky.activities a LEFT JOIN %s c ON c.id = a.id
		GROUP BY a.id, a.version
		HAVING a.version <> 1 + count(c.new_version)
			OR count(DISTINCT c.new_version) <> count(c.new_version)
			OR coalesce(min(c.new_version), 2) <> 2
			OR coalesce(max(c.new_version), 1) <> a.version
		UNION ALL
		SELECT c.id, NULL, count(*), NULL, NULL, NULL FROM %s c
		WHERE NOT EXISTS (SELECT FROM clarky.activities a WHERE a.id = c.id)
		GROUP BY c.id$q$, changes_table, changes_table);
END
$$;

GRANT USAGE ON SCHEMA stress TO PUBLIC;
