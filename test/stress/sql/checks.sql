-- test/stress/sql/checks.sql: helper functions of the stress checks, in a
-- schema "stress" of the database under test (created by the checks, never
-- by the extension).  Run as a superuser, with psql -v ON_ERROR_STOP=1.

SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS stress;

-- Every road of every activity (1.3.0: an activity has up to 50 contacts
-- and 50 companies, and reaches the companies its contacts belonged to
-- when it was written): kind 'contact' (its primary contact, contact_id,
-- and each of other_contact_ids), 'company' (company_id and each of
-- other_company_ids) and 'via_company' (each of via_company_ids); primary
-- tells contact_id and company_id, which are the activities' own indexes
-- (every other road is a row of clarky.activity_links while the activity
-- is live).  Read from the rows alone: the reference of every check below.
CREATE OR REPLACE FUNCTION stress.roads()
RETURNS TABLE (workspace_id text, kind text, owner text, id text, occurred_at timestamptz,
			   activity_type clarky.activity_type, live boolean, is_primary boolean)
LANGUAGE sql STABLE AS $$
	SELECT a.workspace_id, o.kind, o.owner, a.id, a.occurred_at, a.activity_type,
		   a.deleted_at IS NULL, o.is_primary
	FROM clarky.activities a
	CROSS JOIN LATERAL (
		SELECT 'contact', a.contact_id, true WHERE a.contact_id IS NOT NULL
		UNION ALL SELECT 'contact', c, false FROM unnest(a.other_contact_ids) AS c
		UNION ALL SELECT 'company', a.company_id, true WHERE a.company_id IS NOT NULL
		UNION ALL SELECT 'company', c, false FROM unnest(a.other_company_ids) AS c
		UNION ALL SELECT 'via_company', c, false FROM unnest(a.via_company_ids) AS c
	) AS o (kind, owner, is_primary)
$$;

-- The timelines an activity is on, each once: 'contact' (every contact it
-- is on), 'company' (a company's timeline of scope 'all': the activity is
-- logged against the company or reaches it through people) and 'company
-- direct' (scope 'direct': logged against it).
CREATE OR REPLACE FUNCTION stress.timeline_roads()
RETURNS TABLE (workspace_id text, timeline text, owner text, id text, occurred_at timestamptz,
			   activity_type clarky.activity_type, live boolean)
LANGUAGE sql STABLE AS $$
	SELECT DISTINCT r.workspace_id, CASE r.kind WHEN 'contact' THEN 'contact' ELSE 'company' END,
		   r.owner, r.id, r.occurred_at, r.activity_type, r.live
	FROM stress.roads() r
	UNION ALL
	SELECT DISTINCT r.workspace_id, 'company direct', r.owner, r.id, r.occurred_at, r.activity_type, r.live
	FROM stress.roads() r WHERE r.kind = 'company'
$$;

-- A timeline's answer: clarky.contact_activities or clarky.company_activities
-- (scope 'all', or 'direct' for the timeline 'company direct')
CREATE OR REPLACE FUNCTION stress.timeline_page(timeline text, owner text, t clarky.activity_type,
												page integer, page_size integer)
RETURNS json LANGUAGE sql VOLATILE AS $$
	SELECT CASE timeline
		WHEN 'contact' THEN clarky.contact_activities(owner, t, page, page_size)
		WHEN 'company' THEN clarky.company_activities(owner, t, page, page_size)
		ELSE clarky.company_activities(owner, t, page, page_size, 'direct') END
$$;

-- Every (workspace, owner kind, owner, type) whose count in
-- clarky.activity_counts (the sum over stripes) differs from count(*) of
-- the live activities (deleted_at IS NULL: a soft-deleted activity is in no
-- count) on that road: 'contact' counts every contact of an activity,
-- 'company' every company it is logged against, 'via_company' every
-- company it reaches through people.  A sum of 0 (an owner whose
-- activities are all deleted, or stripes that add up to nothing) is the
-- same as no row.
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
		SELECT r.workspace_id, r.kind AS owner_kind, r.owner AS owner_id, r.activity_type, count(*) AS n
		FROM stress.roads() r WHERE r.live
		GROUP BY 1, 2, 3, 4
	)
	SELECT workspace_id, owner_kind, owner_id, activity_type, counted.n, kept.n
	FROM counted FULL JOIN kept USING (workspace_id, owner_kind, owner_id, activity_type)
	WHERE counted.n IS DISTINCT FROM kept.n
$$;

-- Every link of clarky.activity_links that is not exactly one road of a
-- live activity other than its primary contact and company (what
-- clarky.rebuild_activity_links() would write): 'missing' (a road without
-- its link), 'extra' (a link of no such road: of a deleted activity, or a
-- road the activity left), 'stale' (occurred_at or activity_type not the
-- activity's).
CREATE OR REPLACE FUNCTION stress.link_mismatches()
RETURNS TABLE (workspace_id text, owner_kind text, owner_id text, activity_id text, what text)
LANGUAGE sql STABLE AS $$
	WITH want AS (
		SELECT r.workspace_id, r.kind AS owner_kind, r.owner AS owner_id, r.id AS activity_id,
			   r.occurred_at, r.activity_type
		FROM stress.roads() r WHERE r.live AND NOT r.is_primary
	)
	SELECT workspace_id, owner_kind, owner_id, activity_id,
		   CASE WHEN l.activity_id IS NULL THEN 'missing' WHEN w.activity_id IS NULL THEN 'extra'
				ELSE 'stale' END
	FROM want w FULL JOIN clarky.activity_links l USING (workspace_id, owner_kind, owner_id, activity_id)
	WHERE w.activity_id IS NULL OR l.activity_id IS NULL
	   OR w.occurred_at IS DISTINCT FROM l.occurred_at OR w.activity_type IS DISTINCT FROM l.activity_type
$$;

-- Every activity whose contacts and companies break the model: an other
-- contact or company repeated or equal to the primary one, others without a
-- primary, a company reached through people repeated or one of the
-- activity's own companies, more than 50 contacts or companies.
CREATE OR REPLACE FUNCTION stress.tag_mismatches()
RETURNS TABLE (workspace_id text, id text, what text)
LANGUAGE sql STABLE AS $$
	SELECT a.workspace_id, a.id, concat_ws(' ',
		CASE WHEN (SELECT count(DISTINCT c) FROM unnest(a.other_contact_ids) c) <> cardinality(a.other_contact_ids)
			   OR a.contact_id = ANY (a.other_contact_ids) THEN 'contacts repeat' END,
		CASE WHEN (SELECT count(DISTINCT c) FROM unnest(a.other_company_ids) c) <> cardinality(a.other_company_ids)
			   OR a.company_id = ANY (a.other_company_ids) THEN 'companies repeat' END,
		CASE WHEN (a.contact_id IS NULL AND cardinality(a.other_contact_ids) > 0)
			   OR (a.company_id IS NULL AND cardinality(a.other_company_ids) > 0) THEN 'others without primary' END,
		CASE WHEN (SELECT count(DISTINCT c) FROM unnest(a.via_company_ids) c) <> cardinality(a.via_company_ids)
			   OR a.company_id = ANY (a.via_company_ids) OR a.via_company_ids && a.other_company_ids
			 THEN 'via repeats' END,
		CASE WHEN cardinality(a.other_contact_ids) > 49 OR cardinality(a.other_company_ids) > 49 THEN 'too many' END)
	FROM clarky.activities a
	WHERE (SELECT count(DISTINCT c) FROM unnest(a.other_contact_ids) c) <> cardinality(a.other_contact_ids)
	   OR a.contact_id = ANY (a.other_contact_ids)
	   OR (SELECT count(DISTINCT c) FROM unnest(a.other_company_ids) c) <> cardinality(a.other_company_ids)
	   OR a.company_id = ANY (a.other_company_ids)
	   OR (a.contact_id IS NULL AND cardinality(a.other_contact_ids) > 0)
	   OR (a.company_id IS NULL AND cardinality(a.other_company_ids) > 0)
	   OR (SELECT count(DISTINCT c) FROM unnest(a.via_company_ids) c) <> cardinality(a.via_company_ids)
	   OR a.company_id = ANY (a.via_company_ids) OR a.via_company_ids && a.other_company_ids
	   OR cardinality(a.other_contact_ids) > 49 OR cardinality(a.other_company_ids) > 49
$$;

-- What rebuilding changes: in one transaction that is rolled back by the
-- caller (or not: the rebuilt tables are then the same), the links and the
-- counts (summed over stripes, per workspace, owner and type) as they are,
-- then clarky.rebuild_activity_links() and clarky.rebuild_activity_counts(),
-- then every row that differs ('before' or 'after', and what: 'link' or
-- 'count').  Takes a SHARE lock on the activities (the rebuilds do).
CREATE OR REPLACE FUNCTION stress.rebuild_differences()
RETURNS TABLE (side text, what text, row_text text)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	LOCK TABLE clarky.activities IN SHARE MODE;
	CREATE TEMP TABLE rebuild_links_before ON COMMIT DROP AS
		SELECT l::text AS r FROM clarky.activity_links l;
	CREATE TEMP TABLE rebuild_counts_before ON COMMIT DROP AS
		SELECT format('%s %s %s %s %s %s %s %s %s', workspace_id, owner_kind, owner_id, sum(notes), sum(calls),
					  sum(meetings), sum(video_calls), sum(tasks), sum(todos) || ' ' || sum(reminders)) AS r
		FROM clarky.activity_counts GROUP BY workspace_id, owner_kind, owner_id
		HAVING sum(notes) <> 0 OR sum(calls) <> 0 OR sum(meetings) <> 0 OR sum(video_calls) <> 0
			OR sum(tasks) <> 0 OR sum(todos) <> 0 OR sum(reminders) <> 0;
	PERFORM clarky.rebuild_activity_links();
	PERFORM clarky.rebuild_activity_counts();
	RETURN QUERY
	WITH after_links AS (SELECT l::text AS r FROM clarky.activity_links l),
	after_counts AS (
		SELECT format('%s %s %s %s %s %s %s %s %s', workspace_id, owner_kind, owner_id, sum(notes), sum(calls),
					  sum(meetings), sum(video_calls), sum(tasks), sum(todos) || ' ' || sum(reminders)) AS r
		FROM clarky.activity_counts GROUP BY workspace_id, owner_kind, owner_id
		HAVING sum(notes) <> 0 OR sum(calls) <> 0 OR sum(meetings) <> 0 OR sum(video_calls) <> 0
			OR sum(tasks) <> 0 OR sum(todos) <> 0 OR sum(reminders) <> 0)
	(SELECT 'before', 'link', r FROM rebuild_links_before EXCEPT ALL SELECT 'before', 'link', r FROM after_links)
	UNION ALL
	(SELECT 'after', 'link', r FROM after_links EXCEPT ALL SELECT 'after', 'link', r FROM rebuild_links_before)
	UNION ALL
	(SELECT 'before', 'count', r FROM rebuild_counts_before EXCEPT ALL SELECT 'before', 'count', r FROM after_counts)
	UNION ALL
	(SELECT 'after', 'count', r FROM after_counts EXCEPT ALL SELECT 'after', 'count', r FROM rebuild_counts_before);
END
$$;

-- Every timeline (per workspace and owner, and per workspace, owner and
-- type: each contact's, each company's of scope 'all' and of scope
-- 'direct') whose pagination total, as clarky.contact_activities and
-- clarky.company_activities answer it, differs from count(*) of its live
-- activities, each once however many roads it takes.  Every owner and type
-- that has a row at all is checked, so an owner whose activities are all
-- deleted must answer 0.  page_size 1 makes every non-empty timeline read
-- its total from the counts.  Returns the number of timelines checked as
-- the row with owner_kind 'checked'.
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
		SELECT t.workspace_id AS ws, t.timeline AS kind, t.owner, NULL::clarky.activity_type AS t,
			   count(*) FILTER (WHERE t.live) AS n
		FROM stress.timeline_roads() t GROUP BY 1, 2, 3
		UNION ALL
		SELECT t.workspace_id, t.timeline, t.owner, t.activity_type, count(*) FILTER (WHERE t.live)
		FROM stress.timeline_roads() t GROUP BY 1, 2, 3, 4
	LOOP
		PERFORM set_config('clarky.workspace_id', r.ws, true);
		answer := stress.timeline_page(r.kind, r.owner, r.t, 1, 1);
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

-- Every timeline (per workspace and owner: each contact's, each company's
-- of scope 'all' and of scope 'direct'; and per type for the owners named
-- in typed_owners) read through to its end with clarky.contact_activities
-- and clarky.company_activities, pages of 100, compared with plain SQL
-- (stress.timeline_roads): the ids in order must be exactly its live
-- activities, newest first, each once, each page with the true total.  One
-- row per timeline that differs (what differs: 'order' for the ids,
-- 'total' for a page's total, or 'deleted' when a deleted activity is on
-- it), and the row owner_kind 'checked' with the number of timelines and
-- pages read and of deleted activities seen on them (must be 0) in
-- counted, pages, deleted_seen.  Reads only: it runs on a hot standby.
CREATE OR REPLACE FUNCTION stress.timeline_mismatches(typed_owners text[] DEFAULT '{}')
RETURNS TABLE (workspace_id text, owner_kind text, owner_id text, activity_type text,
			   what text, counted bigint, pages bigint, deleted_seen bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r record;
	answer jsonb;
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
		SELECT t.workspace_id AS ws, t.timeline AS kind, t.owner, NULL::clarky.activity_type AS t,
			   coalesce(array_agg(t.id ORDER BY t.occurred_at DESC, t.id DESC) FILTER (WHERE t.live), '{}') AS want
		FROM stress.timeline_roads() t GROUP BY 1, 2, 3
		UNION ALL
		SELECT t.workspace_id, t.timeline, t.owner, t.activity_type,
			   coalesce(array_agg(t.id ORDER BY t.occurred_at DESC, t.id DESC) FILTER (WHERE t.live), '{}')
		FROM stress.timeline_roads() t WHERE t.owner = ANY (typed_owners) GROUP BY 1, 2, 3, 4
	LOOP
		PERFORM set_config('clarky.workspace_id', r.ws, true);
		want := r.want;
		got := '{}';
		bad_total := false;
		p := 1;
		LOOP
			answer := stress.timeline_page(r.kind, r.owner, r.t, p, 100)::jsonb;
			pages_read := pages_read + 1;
			IF (answer -> 'pagination' ->> 'total')::bigint IS DISTINCT FROM cardinality(want)
			   OR (answer -> 'pagination' ->> 'total_pages')::bigint
				  IS DISTINCT FROM ((cardinality(want) + 99) / 100)::bigint THEN
				bad_total := true;
			END IF;
			EXIT WHEN jsonb_array_length(answer -> 'data') = 0;
			got := got || ARRAY(SELECT e ->> 'id' FROM jsonb_array_elements(answer -> 'data')
								   WITH ORDINALITY AS d (e, i) ORDER BY i);
			EXIT WHEN jsonb_array_length(answer -> 'data') < 100 OR p > cardinality(want) / 100 + 1;
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
