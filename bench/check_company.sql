-- bench/check_company.sql: on the company data set, the baselines of the
-- company cases return what the extension returns.
--
-- Run by bench/run.sh before the company cases, inside a transaction that
-- is rolled back.  For the big company co_big, the small co_small and two
-- of the background's companies, every type and none, page sizes 1, 25 and
-- 100, the first, second, middle, last and past-the-end pages: the
-- extension's timeline in scope 'all' must equal, as values and with the
-- same keys in the same order, both bench_ref.company_people_activities
-- (the union of the company's and its contacts' timelines, the cases'
-- baseline) and bench_ref.company_activities (the reference of the
-- extension's own roads), and in scope 'direct' the latter's.  It also
-- checks that the data set is what the cases say it is: the big company's
-- contacts, its activities and how many reach it through people, the small
-- company's activities.  Any difference is an error.  At the end it prints
-- one line, "bench/check_company.sql: agree: ...", with what it compared.
--
-- psql variables: contacts and per_contact (the big company's people and
-- the activities of each), small (the small company's activities).

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
BEGIN;

-- Every key of a JSON document with its path, in document order
CREATE FUNCTION pg_temp.key_paths(j json, path text DEFAULT '') RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	r record;
BEGIN
	IF json_typeof(j) = 'object' THEN
		FOR r IN SELECT key, value FROM json_each(j) LOOP
			RETURN NEXT path || '.' || r.key;
			RETURN QUERY SELECT pg_temp.key_paths(r.value, path || '.' || r.key);
		END LOOP;
	ELSIF json_typeof(j) = 'array' THEN
		FOR r IN SELECT value, ordinality FROM json_array_elements(j) WITH ORDINALITY LOOP
			RETURN QUERY SELECT pg_temp.key_paths(r.value, path || '[' || r.ordinality || ']');
		END LOOP;
	END IF;
END
$$;

CREATE TEMP TABLE mismatches (what text, detail text);
CREATE TEMP TABLE compared (what text, n bigint);

-- The data set is the one the cases describe
INSERT INTO mismatches
SELECT format('the data set: %s is %s, not %s', what, got, want), NULL
FROM (VALUES
		('co_big''s contacts',
		 (SELECT count(*) FROM clarky.company_memberships WHERE workspace_id = 'default' AND company_id = 'co_big'),
		 :contacts::bigint),
		('co_big''s activities',
		 (clarky.company_activities('co_big', NULL, 1, 1)::jsonb #>> '{pagination,total}')::bigint,
		 :contacts::bigint * :per_contact),
		('co_small''s activities',
		 (clarky.company_activities('co_small', NULL, 1, 1)::jsonb #>> '{pagination,total}')::bigint,
		 :small::bigint)) AS v (what, got, want)
WHERE got IS DISTINCT FROM want;
INSERT INTO compared
SELECT 'activities of co_big through people', count(*)
FROM clarky.activity_links
WHERE workspace_id = 'default' AND owner_kind = 'via_company' AND owner_id = 'co_big';
INSERT INTO mismatches
SELECT 'the data set: no activity of co_big reaches it through people', NULL
FROM compared WHERE what = 'activities of co_big through people' AND n = 0;

-- compare(what, ext, ref): a difference of values or key order, if any
CREATE FUNCTION pg_temp.compare(what text, ext json, ref json) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	IF ext::jsonb IS DISTINCT FROM ref::jsonb THEN
		INSERT INTO mismatches VALUES (what || ': values differ', left(ext::text, 300) || ' <> ' || left(ref::text, 300));
	ELSIF ARRAY(SELECT pg_temp.key_paths(ext)) IS DISTINCT FROM ARRAY(SELECT pg_temp.key_paths(ref)) THEN
		INSERT INTO mismatches VALUES (what || ': key order differs', left(ext::text, 300));
	END IF;
END
$$;

DO $$
DECLARE
	co text;
	t clarky.activity_type;
	ps int;
	pg int;
	last int;
	ext json;
	n int := 0;
	d int := 0;
	what text;
BEGIN
	FOREACH co IN ARRAY ARRAY['co_big', 'co_small', 'co_1', 'co_7'] LOOP
		FOREACH t IN ARRAY ARRAY[NULL]::clarky.activity_type[] || enum_range(NULL::clarky.activity_type) LOOP
			FOREACH ps IN ARRAY ARRAY[1, 25, 100] LOOP
				last := (clarky.company_activities(co, t, 1, ps)::jsonb #>> '{pagination,total_pages}')::int;
				FOREACH pg IN ARRAY ARRAY[1, 2, greatest(last / 2, 1), greatest(last, 1), last + 1] LOOP
					-- page size 1 on the first pages only: a page a row is many pages
					CONTINUE WHEN ps = 1 AND pg > 2;
					what := format('%s type %s page %s size %s', co, coalesce(t::text, '-'), pg, ps);
					ext := clarky.company_activities(co, t, pg, ps);
					PERFORM pg_temp.compare(what || ' (people reference)', ext,
											bench_ref.company_people_activities(co, t, pg, ps));
					PERFORM pg_temp.compare(what || ' (reference)', ext,
											bench_ref.company_activities(co, t, pg, ps));
					n := n + 1;
					PERFORM pg_temp.compare(what || ' scope direct',
											clarky.company_activities(co, t, pg, ps, 'direct'),
											bench_ref.company_activities(co, t, pg, ps, 'direct'));
					d := d + 1;
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
	INSERT INTO compared VALUES ('company pages (ext, people reference, reference)', n),
		('direct pages (ext, reference)', d);
END
$$;

SELECT count(*) > 0 AS mismatched FROM mismatches \gset
\if :mismatched
\echo 'bench/check_company.sql: the baselines and the extension disagree:'
SELECT * FROM mismatches;
ROLLBACK;
SELECT 1 / 0 AS "the baselines must match the extension";
\endif
SELECT 'bench/check_company.sql: agree: ' || string_agg(n || ' ' || what, ', ') AS summary FROM compared \gset
ROLLBACK;
\echo :summary
