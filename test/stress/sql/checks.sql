-- test/stress/sql/checks.sql: helper functions of the stress checks, in a
-- schema "stress" of the database under test (created by the checks, never
-- by the extension).  Run as a superuser, with psql -v ON_ERROR_STOP=1.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS stress;

-- Every (workspace, owner, type) whose count in clarky.activity_counts (the
-- sum over stripes) differs from count(*) of its activities.
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
		FROM clarky.activities a WHERE a.contact_id IS NOT NULL
		GROUP BY 1, 2, 3, 4
		UNION ALL
		SELECT a.workspace_id, 'company', a.company_id, a.activity_type, count(*)
		FROM clarky.activities a WHERE a.company_id IS NOT NULL
		GROUP BY 1, 2, 3, 4
	)
	SELECT workspace_id, owner_kind, owner_id, activity_type, counted.n, kept.n
	FROM counted FULL JOIN kept USING (workspace_id, owner_kind, owner_id, activity_type)
	WHERE counted.n IS DISTINCT FROM kept.n
$$;

-- Every timeline (per workspace and owner, and per workspace, owner and
-- type) whose pagination total, as clarky.contact_activities and
-- clarky.company_activities answer it, differs from count(*).  page_size 1
-- makes every non-empty timeline read its total from the counts.  Returns
-- the number of timelines checked as the row with owner_id NULL.
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
			   count(*) AS n
		FROM clarky.activities a WHERE a.contact_id IS NOT NULL GROUP BY 1, 3
		UNION ALL
		SELECT a.workspace_id, 'contact', a.contact_id, a.activity_type, count(*)
		FROM clarky.activities a WHERE a.contact_id IS NOT NULL GROUP BY 1, 3, 4
		UNION ALL
		SELECT a.workspace_id, 'company', a.company_id, NULL, count(*)
		FROM clarky.activities a WHERE a.company_id IS NOT NULL GROUP BY 1, 3
		UNION ALL
		SELECT a.workspace_id, 'company', a.company_id, a.activity_type, count(*)
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

-- The hash of the ids a page of a contact's timeline should hold, by plain SQL
CREATE OR REPLACE FUNCTION stress.page_hash(ws text, contact text, page integer, page_size integer)
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT stress.ids_hash(string_agg(p.id, ',' ORDER BY p.occurred_at DESC, p.id DESC))
	FROM (SELECT a.id, a.occurred_at FROM clarky.activities a
		  WHERE a.workspace_id = ws AND a.contact_id = contact
		  ORDER BY a.occurred_at DESC, a.id DESC
		  LIMIT page_size OFFSET (page - 1)::bigint * page_size) p
$$;

GRANT USAGE ON SCHEMA stress TO PUBLIC;
