-- test/stress/sql/tags.sql: the tagging writers of the tagging check
-- (test/stress/tagging.sh), and the checks of what they wrote, in the
-- schema "stress" made by checks.sql.  Run as a superuser, after
-- checks.sql, with psql -v ON_ERROR_STOP=1 -v app=ROLE (the login role the
-- writers use).
--
-- Everything happens in the workspace ws_tags, on 40 contacts (c_t_1 ..
-- c_t_40) and 12 companies (co_t_1 .. co_t_12), so that every writer's set
-- overlaps every other's, and 20 companies more (co_m_1 .. co_m_20) that
-- contacts join with backfill only:
--
-- stress.tag_pool: 1,500 activities logged before the load, each on 2-10
-- contacts and 1-4 companies in shuffled orders; n 1-40 are "contended",
-- chosen by a third of the changes.
--
-- stress.tag_log() logs an activity on 2-10 contacts (contact_ids in a
-- shuffled order, a third of the time also contact_id, one of them or not)
-- and 0-4 companies, half of them backdated; stress.tag_change(n, op)
-- changes pool activity n: replaces its contacts (contact_ids, with or
-- without company_ids), its primary contact (contact_id), promotes the next
-- (contact_id: null), with the version read first as expected_version,
-- retypes and moves it in time, deletes (with or without expected_version)
-- or restores it (a third of the changes on the same 40 activities, with
-- 2 ms between reading the version and passing it); stress.tag_member(op)
-- adds a contact to a company (with or without backfill) or removes it.  Each records what it did and what
-- it was answered in the same transaction, with its statement's start and
-- its own end (clock_timestamp(), just before the commit), and each
-- legitimate refusal (CK409 for a stale expected_version, P0002 for a
-- deleted activity or the restore of a live one) and each change skipped
-- because it would change nothing ('noop': a primary contact set to itself,
-- or cleared where there is none).  Any other error aborts the pgbench
-- client, which fails the check.

SET client_min_messages = warning;

-- n distinct ids PREFIX1 .. PREFIX<pool>, in a random order
CREATE FUNCTION stress.sample(prefix text, pool integer, n integer) RETURNS text[]
LANGUAGE sql VOLATILE AS $$
	SELECT array_agg(prefix || g ORDER BY random())
	FROM (SELECT g FROM generate_series(1, pool) AS g ORDER BY random() LIMIT n) AS s
$$;

-- an API answer's list of ids as an array
CREATE FUNCTION stress.ids_of(answer json, field text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(array_agg(e ORDER BY i), '{}')
	FROM json_array_elements_text(answer #> ARRAY['data', field]) WITH ORDINALITY AS d (e, i)
$$;

-- the set ASKED with PRIMARY first (added if missing): what the API does
-- when given both contact_id and contact_ids
CREATE FUNCTION stress.primary_first(asked text[], "primary" text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN "primary" IS NULL THEN asked ELSE "primary" || array_remove(asked, "primary") END
$$;

CREATE TABLE stress.tag_pool (
	n integer PRIMARY KEY,
	id text COLLATE "C" NOT NULL UNIQUE,
	contact_ids text[] NOT NULL,		-- as first answered
	company_ids text[] NOT NULL
);

-- every activity logged during the load, and the pool's first versions
CREATE TABLE stress.tag_logged (
	seq bigserial PRIMARY KEY,
	id text COLLATE "C" NOT NULL UNIQUE,
	contact_ids text[] NOT NULL,		-- as answered
	company_ids text[] NOT NULL,
	answer_ok boolean NOT NULL,			-- the answer's ids are those asked, primary first
	started timestamptz NOT NULL,		-- statement_timestamp()
	finished timestamptz NOT NULL,		-- clock_timestamp() at the end
	pid integer NOT NULL DEFAULT pg_backend_pid()
);

-- every change during the load
CREATE TABLE stress.tag_changes (
	seq bigserial PRIMARY KEY,
	n integer NOT NULL,
	id text COLLATE "C" NOT NULL,
	op text NOT NULL,
	expected integer,					-- the expected_version passed, if any
	new_version integer NOT NULL,
	sets_ids boolean NOT NULL,			-- changed (or may have changed) the contacts or companies
	contact_ids text[] NOT NULL,		-- as answered
	company_ids text[] NOT NULL,
	deleted boolean NOT NULL,			-- the answer's deleted_at is set
	activity_type text NOT NULL,		-- as answered
	occurred_at timestamptz NOT NULL,
	answer_ok boolean NOT NULL,
	started timestamptz NOT NULL,
	finished timestamptz NOT NULL,
	pid integer NOT NULL DEFAULT pg_backend_pid()
);
CREATE INDEX ON stress.tag_changes (id);
CREATE TABLE stress.tag_refusals (
	seq bigserial PRIMARY KEY,
	n integer NOT NULL,
	id text COLLATE "C" NOT NULL,
	op text NOT NULL,
	expected integer,
	sqlstate text NOT NULL,
	at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE stress.tag_members (
	seq bigserial PRIMARY KEY,
	op text NOT NULL,					-- add or remove
	contact_id text NOT NULL,
	company_id text NOT NULL,
	backfill boolean,
	added_at timestamptz,				-- an add's answer
	backfilled integer,
	removed boolean,					-- a remove's answer
	started timestamptz NOT NULL,
	finished timestamptz NOT NULL
);
CREATE TABLE stress.tag_read_mismatches (
	at timestamptz NOT NULL DEFAULT clock_timestamp(),
	timeline text, owner text, total bigint, counted bigint, page_ok boolean
);

CREATE FUNCTION stress.tag_log() RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	contacts text[] := stress.sample('c_t_', 40, 2 + floor(random() * 9)::integer);
	companies text[] := CASE WHEN random() < 0.25 THEN '{}'
						ELSE stress.sample('co_t_', 12, 1 + floor(random() * 4)::integer) END;
	prim text := CASE WHEN random() < 0.33 THEN 'c_t_' || (1 + floor(random() * 40)::integer) END;
	body jsonb;
	answer json;
BEGIN
	PERFORM set_config('clarky.workspace_id', 'ws_tags', true);
	body := jsonb_build_object(
		'activity_type', (enum_range(NULL::clarky.activity_type))[1 + floor(random() * 7)::integer],
		'title', 'tagged', 'contact_ids', contacts)
		|| CASE WHEN prim IS NOT NULL THEN jsonb_build_object('contact_id', prim) ELSE '{}' END
		|| CASE WHEN cardinality(companies) > 0 THEN jsonb_build_object('company_ids', companies) ELSE '{}' END
		|| CASE WHEN random() < 0.5
			THEN jsonb_build_object('occurred_at', now() - random() * interval '30 days') ELSE '{}' END;
	answer := clarky.log_activity(body);
	INSERT INTO stress.tag_logged (id, contact_ids, company_ids, answer_ok, started, finished)
	VALUES (answer #>> '{data,id}', stress.ids_of(answer, 'contact_ids'), stress.ids_of(answer, 'company_ids'),
			stress.ids_of(answer, 'contact_ids') = stress.primary_first(contacts, prim)
			AND stress.ids_of(answer, 'company_ids') = companies
			AND answer #>> '{data,contact_id}' = (stress.primary_first(contacts, prim))[1]
			AND answer #>> '{data,company_id}' IS NOT DISTINCT FROM companies[1],
			statement_timestamp(), clock_timestamp());
END
$$;

-- Change pool activity n by op: 1-3 contact_ids (with company_ids every
-- other time), 4 contact_id, 5 contact_id null, 6 contact_ids and
-- company_ids with the version read first as expected_version, 7 a new
-- type and occurred_at (the links carry both), 8 delete, 9 delete with
-- expected_version, 10-11 restore
CREATE FUNCTION stress.tag_change(n integer, op integer) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	target text;
	expected integer;
	contacts text[] := stress.sample('c_t_', 40, 2 + floor(random() * 9)::integer);
	companies text[] := CASE WHEN random() < 0.5 OR op = 6
						THEN stress.sample('co_t_', 12, 1 + floor(random() * 4)::integer) END;
	prim text := 'c_t_' || (1 + floor(random() * 40)::integer);
	opname text;
	prior integer;
	current_primary text;
	patch jsonb;
	answer json;
	ok boolean;
BEGIN
	PERFORM set_config('clarky.workspace_id', 'ws_tags', true);
	SELECT p.id INTO STRICT target FROM stress.tag_pool p WHERE p.n = tag_change.n;
	IF op IN (6, 9) THEN
		SELECT a.version INTO expected FROM clarky.activities a
		WHERE a.workspace_id = 'ws_tags' AND a.id = target;
		-- a client's think time, on the contended activities
		IF n <= 40 THEN
			PERFORM pg_sleep(0.002);
		END IF;
	ELSIF op IN (4, 5) THEN
		-- a primary that is the primary already, or none to promote, would
		-- change nothing (and give no version): the row is read to see, and
		-- the change made only to the version read (CK409 if another came
		-- between).  Not locked here: a row locked in an earlier statement
		-- may deadlock with a backfill the write must wait for (see links.c)
		SELECT a.version, a.contact_id INTO prior, current_primary FROM clarky.activities a
		WHERE a.workspace_id = 'ws_tags' AND a.id = target;
		expected := prior;
		IF (op = 4 AND prim = current_primary) OR (op = 5 AND current_primary IS NULL) THEN
			INSERT INTO stress.tag_refusals (n, id, op, expected, sqlstate)
			VALUES (n, target, CASE op WHEN 4 THEN 'contact_id' ELSE 'contact_id null' END, NULL, 'noop');
			RETURN;
		END IF;
	END IF;
	opname := CASE WHEN op <= 3 THEN 'contact_ids' WHEN op = 4 THEN 'contact_id'
				   WHEN op = 5 THEN 'contact_id null' WHEN op = 6 THEN 'ids expected'
				   WHEN op = 7 THEN 'retype' WHEN op IN (8, 9) THEN 'delete' ELSE 'restore' END;
	patch := CASE
		WHEN op <= 3 OR op = 6 THEN jsonb_build_object('contact_ids', contacts)
			|| CASE WHEN companies IS NOT NULL THEN jsonb_build_object('company_ids', companies) ELSE '{}' END
		WHEN op = 4 THEN jsonb_build_object('contact_id', prim)
		WHEN op = 5 THEN jsonb_build_object('contact_id', NULL)
		WHEN op = 7 THEN jsonb_build_object(
			'activity_type', (enum_range(NULL::clarky.activity_type))[1 + floor(random() * 7)::integer],
			'occurred_at', now() - random() * interval '30 days')
	END;
	BEGIN
		answer := CASE
			WHEN op <= 7 THEN clarky.update_activity(target, patch, expected)
			WHEN op <= 9 THEN clarky.delete_activity(target, expected)
			ELSE clarky.restore_activity(target) END;
	EXCEPTION WHEN SQLSTATE 'CK409' OR SQLSTATE 'P0002' THEN
		INSERT INTO stress.tag_refusals (n, id, op, expected, sqlstate)
		VALUES (n, target, opname, expected, SQLSTATE);
		RETURN;
	END;
	ok := (answer #>> '{data,id}') = target
		AND (expected IS NULL OR (answer #>> '{data,version}')::integer = expected + 1)
		AND CASE
			WHEN op <= 3 OR op = 6 THEN stress.ids_of(answer, 'contact_ids') = contacts
				AND (companies IS NULL OR stress.ids_of(answer, 'company_ids') = companies)
			WHEN op = 4 THEN (stress.ids_of(answer, 'contact_ids'))[1] = prim
			WHEN op = 5 THEN true
			WHEN op = 7 THEN answer #>> '{data,activity_type}' = patch ->> 'activity_type'
			WHEN op <= 9 THEN answer #>> '{data,deleted_at}' IS NOT NULL
			ELSE answer #>> '{data,deleted_at}' IS NULL END
		AND answer #>> '{data,contact_id}' IS NOT DISTINCT FROM (stress.ids_of(answer, 'contact_ids'))[1]
		AND answer #>> '{data,company_id}' IS NOT DISTINCT FROM (stress.ids_of(answer, 'company_ids'))[1];
	INSERT INTO stress.tag_changes (n, id, op, expected, new_version, sets_ids, contact_ids, company_ids,
									deleted, activity_type, occurred_at, answer_ok, started, finished)
	VALUES (n, target, opname, expected, (answer #>> '{data,version}')::integer, op <= 6,
			stress.ids_of(answer, 'contact_ids'), stress.ids_of(answer, 'company_ids'),
			answer #>> '{data,deleted_at}' IS NOT NULL, answer #>> '{data,activity_type}',
			(answer #>> '{data,occurred_at}')::timestamptz, ok, statement_timestamp(), clock_timestamp());
END
$$;

-- 1 add without backfill, 2 add with backfill, 3 add with backfill to one
-- of 20 more companies (co_m_1 .. co_m_20, where most adds bring many
-- activities: two such backfills share most of theirs), 4-5 remove
CREATE FUNCTION stress.tag_member(op integer) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	contact text := 'c_t_' || (1 + floor(random() * 40)::integer);
	company text := CASE WHEN op = 3 THEN 'co_m_' || (1 + floor(random() * 20)::integer)
					ELSE 'co_t_' || (1 + floor(random() * 12)::integer) END;
	answer json;
	removed boolean;
BEGIN
	PERFORM set_config('clarky.workspace_id', 'ws_tags', true);
	IF op <= 3 THEN
		answer := clarky.add_contact_to_company(contact, company, op >= 2);
		INSERT INTO stress.tag_members (op, contact_id, company_id, backfill, added_at, backfilled, started, finished)
		VALUES ('add', contact, company, op >= 2, (answer #>> '{data,added_at}')::timestamptz,
				(answer #>> '{data,backfilled}')::integer, statement_timestamp(), clock_timestamp());
	ELSE
		removed := clarky.remove_contact_from_company(contact, company);
		INSERT INTO stress.tag_members (op, contact_id, company_id, removed, started, finished)
		VALUES ('remove', contact, company, removed, statement_timestamp(), clock_timestamp());
	END IF;
END
$$;

-- In the caller's snapshot (REPEATABLE READ): the total and page 1 of the
-- timeline of contact c_t_K, of company co_t_K (scope all) and of its
-- scope direct agree with plain SQL on the rows; any disagreement is
-- recorded
CREATE FUNCTION stress.tag_read(k integer) RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	tl text;
	owner text;
	answer json;
	want text[];
BEGIN
	PERFORM set_config('clarky.workspace_id', 'ws_tags', true);
	FOREACH tl IN ARRAY ARRAY['contact', 'company', 'company direct'] LOOP
		owner := CASE tl WHEN 'contact' THEN 'c_t_' || k ELSE 'co_t_' || (1 + k % 12) END;
		answer := stress.timeline_page(tl, owner, NULL, 1, 25);
		SELECT coalesce(array_agg(a.id ORDER BY a.occurred_at DESC, a.id DESC), '{}') INTO want
		FROM clarky.activities a
		WHERE a.workspace_id = 'ws_tags' AND a.deleted_at IS NULL
		  AND CASE tl WHEN 'contact' THEN a.contact_id = owner OR owner = ANY (a.other_contact_ids)
			  WHEN 'company' THEN a.company_id = owner OR owner = ANY (a.other_company_ids)
				   OR owner = ANY (a.via_company_ids)
			  ELSE a.company_id = owner OR owner = ANY (a.other_company_ids) END;
		IF (answer #>> '{pagination,total}')::bigint IS DISTINCT FROM cardinality(want)::bigint
		   OR ARRAY(SELECT e ->> 'id' FROM json_array_elements(answer -> 'data') WITH ORDINALITY AS d (e, i)
					ORDER BY i) IS DISTINCT FROM want[1:25] THEN
			INSERT INTO stress.tag_read_mismatches (timeline, owner, total, counted, page_ok)
			VALUES (tl, owner, (answer #>> '{pagination,total}')::bigint, cardinality(want),
					ARRAY(SELECT e ->> 'id' FROM json_array_elements(answer -> 'data') WITH ORDINALITY AS d (e, i)
						  ORDER BY i) IS NOT DISTINCT FROM want[1:25]);
		END IF;
	END LOOP;
END
$$;

-- An activity's contacts or companies as the API renders them: the
-- primary one first, then the others
CREATE FUNCTION stress.all_ids("primary" text, others text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN "primary" IS NULL THEN others ELSE "primary" || others END
$$;

-- Every activity of ws_tags that does not hold what it was last answered
-- (a lost update shows here): a pool activity what the latest of its
-- recorded changes (by version) answered, or its first answer where none
-- did: contacts and companies in order, deletion, and for the changes'
-- answers the type and occurred_at; an activity logged during the load the
-- contacts and companies it was answered.
CREATE FUNCTION stress.tag_content_mismatches()
RETURNS TABLE (id text, field text, got text, expected text)
LANGUAGE sql STABLE AS $$
	WITH want AS (
		SELECT p.id, coalesce(c.contact_ids, p.contact_ids) AS contact_ids,
			   coalesce(c.company_ids, p.company_ids) AS company_ids, coalesce(c.deleted, false) AS deleted,
			   c.activity_type, c.occurred_at
		FROM stress.tag_pool p
		LEFT JOIN LATERAL (SELECT * FROM stress.tag_changes x WHERE x.id = p.id
						   ORDER BY x.new_version DESC LIMIT 1) AS c ON true
		UNION ALL
		SELECT l.id, l.contact_ids, l.company_ids, false, NULL, NULL FROM stress.tag_logged l
	), got AS (
		SELECT w.*, a.id IS NOT NULL AS found,
			   stress.all_ids(a.contact_id, a.other_contact_ids) AS got_contacts,
			   stress.all_ids(a.company_id, a.other_company_ids) AS got_companies,
			   a.deleted_at IS NOT NULL AS got_deleted, a.activity_type::text AS got_type,
			   a.occurred_at AS got_occurred
		FROM want w LEFT JOIN clarky.activities a ON a.workspace_id = 'ws_tags' AND a.id = w.id
	)
	SELECT id, 'missing', NULL, NULL FROM got WHERE NOT found
	UNION ALL
	SELECT id, 'contact_ids', got_contacts::text, contact_ids::text FROM got
	WHERE found AND got_contacts IS DISTINCT FROM contact_ids
	UNION ALL
	SELECT id, 'company_ids', got_companies::text, company_ids::text FROM got
	WHERE found AND got_companies IS DISTINCT FROM company_ids
	UNION ALL
	SELECT id, 'deleted', got_deleted::text, deleted::text FROM got WHERE found AND got_deleted <> deleted
	UNION ALL
	SELECT id, 'activity_type', got_type, activity_type FROM got
	WHERE found AND activity_type IS NOT NULL AND got_type IS DISTINCT FROM activity_type
	UNION ALL
	SELECT id, 'occurred_at', got_occurred::text, occurred_at::text FROM got
	WHERE found AND occurred_at IS NOT NULL
	  AND abs(extract(epoch FROM got_occurred - occurred_at)) >= 0.001
$$;

-- Refusals that should not have happened: a CK409 without an expected
-- version, or with no recorded change that made it stale (the one to
-- expected + 1); a P0002 of a change other than a restore of an activity
-- never deleted; a no-op (recorded as sqlstate 'noop') other than a
-- primary contact set to itself or cleared where there is none
CREATE FUNCTION stress.tag_unjustified_refusals()
RETURNS SETOF stress.tag_refusals
LANGUAGE sql STABLE AS $$
	SELECT r.* FROM stress.tag_refusals r
	WHERE CASE r.sqlstate
		WHEN 'CK409' THEN r.expected IS NULL
			OR NOT EXISTS (SELECT FROM stress.tag_changes c WHERE c.id = r.id AND c.new_version = r.expected + 1)
		WHEN 'P0002' THEN r.op <> 'restore'
			AND NOT EXISTS (SELECT FROM stress.tag_changes c WHERE c.id = r.id AND c.op = 'delete')
		WHEN 'noop' THEN r.op NOT IN ('contact_id', 'contact_id null')
		ELSE true
	END
$$;

-- Every company of ws_tags (the 12, and any other with contacts) whose
-- list of contacts (clarky.company_contacts, pages of 5) is not exactly its rows of clarky.company_memberships, by
-- contact id, each page with the true total
CREATE FUNCTION stress.member_mismatches()
RETURNS TABLE (company_id text, got text[], want text[], bad_total boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	co text;
	answer json;
	p integer;
	n bigint;
BEGIN
	PERFORM set_config('clarky.workspace_id', 'ws_tags', true);
	FOR co IN SELECT 'co_t_' || g FROM generate_series(1, 12) AS g
			  UNION SELECT m.company_id FROM clarky.company_memberships m WHERE m.workspace_id = 'ws_tags' LOOP
		SELECT coalesce(array_agg(m.contact_id::text ORDER BY m.contact_id), '{}'), count(*) INTO want, n
		FROM clarky.company_memberships m WHERE m.workspace_id = 'ws_tags' AND m.company_id = co;
		got := '{}';
		bad_total := false;
		p := 1;
		LOOP
			answer := clarky.company_contacts(co, p, 5);
			bad_total := bad_total OR (answer #>> '{pagination,total}')::bigint IS DISTINCT FROM n;
			EXIT WHEN json_array_length(answer -> 'data') = 0 OR p > 20;
			got := got || ARRAY(SELECT e ->> 'contact_id' FROM json_array_elements(answer -> 'data')
								   WITH ORDINALITY AS d (e, i) ORDER BY i);
			p := p + 1;
		END LOOP;
		IF got IS DISTINCT FROM want OR bad_total THEN
			company_id := co;
			RETURN NEXT;
		END IF;
	END LOOP;
END
$$;

-- Every (live activity, company) of ws_tags where one of the activity's
-- contacts is one of the company's and the activity does not reach it, by
-- its own companies or through people: none is expected after every
-- membership was added again with backfill
CREATE FUNCTION stress.unreached()
RETURNS TABLE (id text, company_id text, contact_id text)
LANGUAGE sql STABLE AS $$
	SELECT DISTINCT ON (a.id, m.company_id) a.id, m.company_id, m.contact_id
	FROM clarky.activities a
	JOIN clarky.company_memberships m ON m.workspace_id = a.workspace_id
		AND m.contact_id = ANY (stress.all_ids(a.contact_id, a.other_contact_ids))
	WHERE a.workspace_id = 'ws_tags' AND a.deleted_at IS NULL
	  AND m.company_id <> ALL (stress.all_ids(a.company_id, a.other_company_ids) || a.via_company_ids)
	ORDER BY a.id, m.company_id, m.contact_id
$$;

-- the pool, and memberships to start from (half of them backfilled)
DO $$
DECLARE
	i integer;
	answer json;
BEGIN
	PERFORM set_config('clarky.workspace_id', 'ws_tags', true);
	FOR i IN 1 .. 60 LOOP
		PERFORM clarky.add_contact_to_company('c_t_' || (1 + i % 40), 'co_t_' || (1 + (i * 7) % 12), false);
	END LOOP;
	FOR i IN 1 .. 1500 LOOP
		answer := clarky.log_activity(jsonb_build_object(
			'activity_type', (enum_range(NULL::clarky.activity_type))[1 + i % 7],
			'title', 'tag pool ' || i,
			'contact_ids', stress.sample('c_t_', 40, 2 + i % 9),
			'company_ids', stress.sample('co_t_', 12, 1 + i % 4),
			'occurred_at', now() - (i % 97) * interval '7 hours'));
		INSERT INTO stress.tag_pool
		VALUES (i, answer #>> '{data,id}', stress.ids_of(answer, 'contact_ids'), stress.ids_of(answer, 'company_ids'));
	END LOOP;
	FOR i IN 61 .. 90 LOOP
		PERFORM clarky.add_contact_to_company('c_t_' || (1 + i % 40), 'co_t_' || (1 + (i * 5) % 12), true);
	END LOOP;
END
$$;

GRANT SELECT ON stress.tag_pool TO :"app";
GRANT INSERT ON stress.tag_logged, stress.tag_changes, stress.tag_refusals, stress.tag_members,
	stress.tag_read_mismatches TO :"app";
GRANT USAGE ON ALL SEQUENCES IN SCHEMA stress TO :"app";
