-- bench/check.sql: the reference returns what the extension returns.
--
-- Run by bench/run.sh before any measurement, inside a transaction that is
-- rolled back.  For a sample of timelines (typical, hot, unknown and company
-- owners, companies in both scopes; every type; first, middle, last and
-- past-the-end pages; page sizes 1, 25 and 100) the two JSON documents must
-- be equal as values and have the same keys in the same order at every
-- level; a fifth of the sampled typical contacts' activities are
-- soft-deleted first (by a plain UPDATE, as the table's owner), so that both
-- must leave them out of the pages and the totals (on the data set
-- bench_<scale>_del a tenth of every owner's are deleted already).  Then,
-- so that every road of 1.3.0's timelines is on the pages, some sampled
-- contacts join co_1 and co_2 (one with a backfill) and the extension logs
-- activities tagged with several of the sampled contacts and companies,
-- deleting and retagging some of them.  For a set of payloads, good and bad, the
-- extension's, the reference's and the lean log functions must accept the
-- same ones or refuse them with the same SQLSTATE and the same field; the
-- reference must return the same activity as the extension, but for its
-- new id and created_at, and the lean log the same but for what its table
-- does not have (updated_at, version).  Any difference is an error.  At the
-- end it prints one line, "bench/check.sql: agree: ...", with what it
-- compared.
--
-- psql variables: contacts (how many typical contacts there are).

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
SET LOCAL bench.contacts = :'contacts';
SELECT to_regclass('bench_lean.activities') IS NOT NULL AS have_lean \gset

-- The sampled owners; a fifth of the typical ones' activities deleted
CREATE TEMP TABLE owners AS
SELECT 'contact' AS kind, 'c_' || (1 + (g * 7919) % :contacts) AS id FROM generate_series(1, 12) g
UNION ALL VALUES ('contact', 'c_hot'), ('contact', 'c_nobody'), ('company', 'co_1'), ('company', 'co_2');
WITH d AS (
	UPDATE clarky.activities AS a
	SET deleted_at = now(), updated_at = now(), version = a.version + 1
	WHERE a.workspace_id = 'default' AND a.deleted_at IS NULL
	  AND a.contact_id IN (SELECT o.id FROM owners AS o WHERE o.kind = 'contact' AND o.id <> 'c_hot')
	  AND abs(hashtext(a.id)) % 5 = 0
	RETURNING 1)
INSERT INTO compared SELECT 'activities deleted for the check', count(*) FROM d;

-- Tagged activities (1.3.0), so that every road of a timeline is compared:
-- four of the sampled contacts join co_1 and a fifth co_2 with a backfill
-- (its past activities reach co_2 through it), then the extension logs
-- activities on several of the sampled contacts (the hot one among them
-- for some) and companies, spread over the data set's three years, and
-- deletes some of them and retags others (which decides again which
-- companies they reach through people)
CREATE TEMP TABLE typical AS
SELECT row_number() OVER (ORDER BY o.id) AS k, o.id
FROM owners AS o WHERE o.kind = 'contact' AND o.id NOT IN ('c_hot', 'c_nobody');
INSERT INTO compared
SELECT 'memberships', count(clarky.add_contact_to_company(t.id, 'co_1')) FROM typical AS t WHERE t.k <= 4
UNION ALL
SELECT 'memberships with a backfill', count(clarky.add_contact_to_company(t.id, 'co_2', backfill => true))
FROM typical AS t WHERE t.k = 5;
CREATE TEMP TABLE tagged AS
SELECT g, clarky.log_activity(jsonb_build_object(
		'activity_type', (enum_range(NULL::clarky.activity_type))[1 + g % 7],
		'title', 'Tagged #' || g,
		'contact_ids', (SELECT jsonb_agg(t.id ORDER BY (t.k + g) % 12) FROM typical AS t WHERE (t.k + g) % 12 < 1 + g % 4)
					   || CASE WHEN g % 4 = 0 THEN '["c_hot"]' ELSE '[]' END::jsonb,
		'company_ids', (ARRAY['["co_2", "co_1"]', '["co_1"]', '[]', '["co_9", "co_2"]'])[1 + g % 4]::jsonb,
		'occurred_at', to_char((now() - make_interval(days => 1 + g * 27)) AT TIME ZONE 'UTC',
							   'YYYY-MM-DD"T"HH24:MI:SS"Z"')))::jsonb -> 'data' ->> 'id' AS id
FROM generate_series(1, 40) AS g;
INSERT INTO compared
SELECT 'tagged activities', count(*) FROM tagged
UNION ALL
SELECT 'tagged activities deleted', count(clarky.delete_activity(id)) FROM tagged WHERE g % 10 = 0
UNION ALL
SELECT 'tagged activities retagged', count(clarky.update_activity(id, jsonb_build_object(
		'contact_ids', jsonb_build_array((SELECT t.id FROM typical AS t WHERE t.k = 1 + g % 12), 'c_hot'),
		'company_id', 'co_1')))
FROM tagged WHERE g % 10 = 5;

-- Timelines
DO $$
DECLARE
	owner record;
	t clarky.activity_type;
	pg int;
	ps int;
	sc text;
	ext json;
	ref json;
	n int := 0;
BEGIN
	FOR owner IN SELECT * FROM owners LOOP
		FOREACH sc IN ARRAY CASE owner.kind WHEN 'contact' THEN ARRAY['-'] ELSE ARRAY['all', 'direct'] END LOOP
			FOREACH t IN ARRAY ARRAY[NULL]::clarky.activity_type[] || enum_range(NULL::clarky.activity_type) LOOP
				FOR pg, ps IN VALUES (1, 25), (2, 25), (1, 1), (3, 100), (4, 25), (400, 25), (1000000, 100) LOOP
					IF owner.kind = 'contact' THEN
						ext := clarky.contact_activities(owner.id, t, pg, ps);
						ref := bench_ref.contact_activities(owner.id, t, pg, ps);
					ELSE
						ext := clarky.company_activities(owner.id, t, pg, ps, sc);
						ref := bench_ref.company_activities(owner.id, t, pg, ps, sc);
					END IF;
					n := n + 1;
					IF ext::jsonb IS DISTINCT FROM ref::jsonb THEN
						INSERT INTO mismatches VALUES (format('%s %s scope %s type %s page %s size %s: values differ',
							owner.kind, owner.id, sc, coalesce(t::text, '-'), pg, ps), left(ext::text, 300) || ' <> ' || left(ref::text, 300));
					ELSIF ARRAY(SELECT pg_temp.key_paths(ext)) IS DISTINCT FROM ARRAY(SELECT pg_temp.key_paths(ref)) THEN
						INSERT INTO mismatches VALUES (format('%s %s scope %s type %s page %s size %s: key order differs',
							owner.kind, owner.id, sc, coalesce(t::text, '-'), pg, ps), left(ext::text, 300));
					END IF;
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
	INSERT INTO compared VALUES ('timeline pages', n);
END
$$;

-- Timeline parameter errors
CREATE TEMP TABLE timeline_calls (args text);
INSERT INTO timeline_calls VALUES
	('NULL'), (''''''), ('repeat(''x'', 256)'), ('''c_1'', NULL, NULL'), ('''c_1'', NULL, 1, NULL'),
	('''c_1'', NULL, 0'), ('''c_1'', NULL, -5'), ('''c_1'', NULL, 1, 0'), ('''c_1'', NULL, 1, 101'),
	('repeat(''é'', 255)');

-- The SQLSTATE and field of a call, or 'ok'
CREATE FUNCTION pg_temp.outcome(sql text, OUT state text, OUT field text, OUT result json)
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql INTO result;
	state := 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, field = COLUMN_NAME;
	field := nullif(field, '');
END
$$;

INSERT INTO mismatches
SELECT 'timeline(' || c.args || '): ' || e.state || '/' || coalesce(e.field, '-') || ' <> ' || r.state || '/' || coalesce(r.field, '-'), NULL
FROM timeline_calls AS c,
	 pg_temp.outcome('SELECT clarky.contact_activities(' || c.args || ')') AS e,
	 pg_temp.outcome('SELECT bench_ref.contact_activities(' || c.args || ')') AS r
WHERE (e.state, e.field) IS DISTINCT FROM (r.state, r.field);
INSERT INTO compared SELECT 'timeline parameter errors', count(*) FROM timeline_calls;
CREATE TEMP TABLE company_calls (args text);
INSERT INTO company_calls VALUES
	('''co_1'', NULL, 1, 25, ''bogus'''), ('NULL, NULL, 1, 25, ''bogus'''), ('''co_1'', NULL, 0, 25, ''ALL'''),
	('''co_1'', NULL, 1, 25, NULL'), ('NULL'), ('''co_1'', NULL, 1, 0, ''direct''');
INSERT INTO mismatches
SELECT 'company timeline(' || c.args || '): ' || e.state || '/' || coalesce(e.field, '-') || ' <> ' || r.state || '/' || coalesce(r.field, '-'), NULL
FROM company_calls AS c,
	 pg_temp.outcome('SELECT clarky.company_activities(' || c.args || ')') AS e,
	 pg_temp.outcome('SELECT bench_ref.company_activities(' || c.args || ')') AS r
WHERE (e.state, e.field) IS DISTINCT FROM (r.state, r.field)
   OR (e.state = 'ok' AND e.result::jsonb IS DISTINCT FROM r.result::jsonb);
INSERT INTO compared SELECT 'company timeline parameter errors', count(*) FROM company_calls;

-- Payloads
CREATE TEMP TABLE payloads (p text);
INSERT INTO payloads VALUES
	('{"activity_type": "note", "contact_id": "c_1", "title": "Follow-up needed", "description": "Customer asked about migration help next quarter."}'),
	('{"activity_type": "task", "contact_id": "c_1", "title": "Send follow-up proposal", "due_date": "2026-05-06T17:00:00.000Z"}'),
	('{"activity_type": "call", "contact_id": "c_1", "title": "Discovery call", "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "occurred_at": "2026-04-29T15:00:00Z", "metadata": {"outcome": "qualified"}}'),
	('{"activity_type": "meeting", "company_id": "co_1", "duration_minutes": 12.5, "occurred_at": "2026-04-29", "metadata": {"a": [1, 2, {"b": null}]}}'),
	('{"activity_type": "reminder", "contact_id": "c_1", "company_id": "co_1", "due_date": "2026-04-29t15:00:00.123456789+02:00", "title": null}'),
	('{"activity_type": "todo", "contact_id": "c_1", "due_date": "2026-04-29T15:00+05:30", "completed_at": "0001-01-01T00:00:00Z"}'),
	(NULL), ('[]'), ('"note"'), ('{}'),
	('{"activity_type": "note", "contact_id": "c_1", "contactId": "x"}'),
	('{"activity_type": "note", "contact_id": "c_1", "zzz": 1}'),
	('{"activity_type": "nope", "contact_id": "c_1"}'),
	('{"activity_type": 3, "contact_id": "c_1"}'),
	('{"activity_type": null, "contact_id": "c_1"}'),
	('{"activity_type": "note"}'),
	('{"activity_type": "note", "contact_id": null, "company_id": null}'),
	('{"activity_type": "note", "contact_id": ""}'),
	('{"activity_type": "note", "company_id": ""}'),
	('{"activity_type": "note", "contact_id": 12}'),
	('{"activity_type": "note", "contact_id": "c_1", "title": 5}'),
	('{"activity_type": "note", "contact_id": "c_1", "title": ["a"]}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": 20260101}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "tomorrow"}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "2026-01-01T10:00:00"}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "01/02/2026"}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "2026-02-30"}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "2026-01-01T24:00:00Z"}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "2026-01-01T23:59:60Z"}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "0000-01-01T00:00:00Z"}'),
	('{"activity_type": "note", "contact_id": "c_1", "due_date": "0001-01-01T00:00:00+01:00"}'),
	('{"activity_type": "note", "contact_id": "c_1", "duration_minutes": "5"}'),
	('{"activity_type": "note", "contact_id": "c_1", "duration_minutes": -1}'),
	('{"activity_type": "note", "contact_id": "c_1", "duration_minutes": 1000000.5}'),
	('{"activity_type": "note", "contact_id": "c_1", "metadata": []}'),
	('{"activity_type": "note", "contact_id": "c_1", "metadata": "x"}'),
	('{"activity_type": "call", "contact_id": "c_1", "owner_id": "u_ana", "title": "Owned"}'),
	('{"activity_type": "note", "company_id": "co_1", "owner_id": null}'),
	('{"activity_type": "note", "contact_id": "c_1", "owner_id": ""}'),
	('{"activity_type": "note", "contact_id": "c_1", "owner_id": 7}'),
	('{"activity_type": "note", "contact_id": "c_1", "owner_id": ["u_1"]}'),
	('{"activity_type": "note", "owner_id": "u_1"}'),
	('{"activity_type": "note", "contact_id": "c_1", "owner_id": "", "due_date": "tomorrow"}'),
	('{"activity_type": "note", "contact_id": "c_1", "version": 1}'),
	('{"activity_type": "note", "contact_id": "c_1", "updated_at": "2026-04-29T15:00:00Z"}'),
	('{"activity_type": "note", "contact_id": "c_1", "deleted_at": null}'),
	('{"activity_type": "note", "contact_id": "c_1", "id": "a_01M8B29JFM1SZ5D4X6ZC2B1B6V"}'),
	('{"activity_type": "note", "contact_id": "c_1", "created_at": "2026-04-29T15:00:00Z"}'),
	('{"activity_type": "note", "contact_id": "c_1", "workspace_id": "ws_other"}');
INSERT INTO payloads
SELECT format('{"activity_type": "note", "contact_id": "%s"}', repeat('x', 256))
UNION ALL SELECT format('{"activity_type": "note", "contact_id": "%s"}', repeat('é', 255))
UNION ALL SELECT format('{"activity_type": "note", "contact_id": "c_1", "owner_id": "%s"}', repeat('u', 256))
UNION ALL SELECT format('{"activity_type": "note", "contact_id": "c_1", "owner_id": "%s"}', repeat('é', 255))
UNION ALL SELECT format('{"activity_type": "note", "contact_id": "c_1", "title": "%s"}', repeat('t', 1001))
UNION ALL SELECT format('{"activity_type": "note", "contact_id": "c_1", "description": "%s"}', repeat('d', 100001))
UNION ALL SELECT format('{"activity_type": "note", "contact_id": "c_1", "metadata": {"k": "%s"}}', repeat('m', 65536))
UNION ALL SELECT format('{"activity_type": "note", "contact_id": "c_1", "metadata": {"a": %s}}',
					  repeat(b.o, d.depth - 2) || i.v || repeat(b.c, d.depth - 2))
FROM (VALUES ('{"a": ', '}'), ('[', ']')) AS b(o, c),
	 (VALUES ('{}'), ('{"x": 1}'), ('[]'), ('[1]'), ('"s"')) AS i(v),
	 generate_series(29, 35) AS d(depth);

ALTER TABLE payloads ADD COLUMN i serial;

-- Each payload through each log function: the extension, the reference, and
-- the lean log where the data set has its table
CREATE TEMP TABLE outcomes AS
SELECT p.i, p.p, f.impl, o.state, o.field, o.result
FROM payloads AS p
CROSS JOIN (VALUES (1, 'ext', 'clarky.log_activity'), (2, 'ref', 'bench_ref.log_activity'),
				   (3, 'lean', 'bench_lean.log_activity')) AS f(k, impl, fn)
CROSS JOIN LATERAL pg_temp.outcome(format('SELECT %s(%L::jsonb)', f.fn, p.p)) AS o
WHERE f.impl <> 'lean' OR :'have_lean'::boolean
ORDER BY p.i, f.k;

-- what each side leaves out of the comparison of answers: the reference
-- its new id and created_at; the lean log also what its table has not
CREATE TEMP TABLE unshared (impl text, keys text[]);
INSERT INTO unshared VALUES
	('ref', '{id,created_at}'), ('lean', '{id,created_at,updated_at,version}');

INSERT INTO mismatches
SELECT r.impl || ' log_activity(' || coalesce(left(e.p, 120), 'NULL') || '): '
	   || e.state || '/' || coalesce(e.field, '-') || ' <> ' || r.state || '/' || coalesce(r.field, '-'),
	   CASE WHEN e.state = 'ok' THEN left(e.result::text, 300) || ' <> ' || left(r.result::text, 300) END
FROM outcomes AS e
JOIN outcomes AS r ON r.i = e.i AND r.impl <> 'ext'
JOIN unshared AS u ON u.impl = r.impl
WHERE e.impl = 'ext'
  AND ((e.state, e.field) IS DISTINCT FROM (r.state, r.field)
	   OR (e.state = 'ok' AND (
			(e.result::jsonb -> 'data') - u.keys IS DISTINCT FROM (r.result::jsonb -> 'data') - '{id,created_at}'::text[]
			OR ARRAY(SELECT k FROM pg_temp.key_paths(e.result) AS k WHERE k <> ALL (
						 ARRAY(SELECT '.data.' || x FROM unnest(u.keys) AS x WHERE x NOT IN ('id', 'created_at'))))
			   IS DISTINCT FROM ARRAY(SELECT pg_temp.key_paths(r.result)))));
INSERT INTO compared SELECT 'payloads (' || string_agg(DISTINCT impl, ', ') || ')', count(DISTINCT i) FROM outcomes;
INSERT INTO compared SELECT 'accepted', count(DISTINCT i) FROM outcomes WHERE impl = 'ext' AND state = 'ok';

SELECT count(*) > 0 AS mismatched FROM mismatches \gset
\if :mismatched
\echo 'bench/check.sql: the reference and the extension disagree:'
SELECT * FROM mismatches;
ROLLBACK;
SELECT 1 / 0 AS "the reference must match the extension";
\endif
SELECT 'bench/check.sql: agree: ' || string_agg(n || ' ' || what, ', ') AS summary FROM compared \gset
ROLLBACK;
\echo :summary
