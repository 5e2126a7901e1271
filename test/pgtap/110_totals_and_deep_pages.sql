-- 110_totals_and_deep_pages.sql: the exact totals kept in
-- clarky.activity_counts, and deep pages found from either end.
BEGIN;
SELECT plan(78);

SELECT set_config('clarky.workspace_id', 'ws_deep', true);

-- 640 activities on one contact, 1 in 4 also on a company, with ties on
-- occurred_at (every 10 share a second) and all seven types
INSERT INTO clarky.activities (contact_id, company_id, activity_type, title, occurred_at)
SELECT 'c_deep', CASE WHEN g % 4 = 0 THEN 'co_deep' END,
	   (enum_range(NULL::clarky.activity_type))[1 + g % 7], 'row ' || g,
	   timestamptz '2026-01-01 00:00:00+00' + (g / 10) * interval '1 second'
FROM generate_series(1, 640) g;

-- Every page's ids, from the function and from plain SQL over every road
-- to the owner, in the session's workspace
CREATE FUNCTION pg_temp.page_ids(kind text, owner text, type clarky.activity_type, page int, page_size int)
RETURNS text[] LANGUAGE sql AS $$
	SELECT coalesce(array_agg(a ->> 'id'), '{}')
	FROM json_array_elements(
		CASE kind WHEN 'contact' THEN clarky.contact_activities(owner, type, page, page_size)
				  ELSE clarky.company_activities(owner, type, page, page_size) END -> 'data') a
$$;
CREATE FUNCTION pg_temp.expected_ids(kind text, owner text, type clarky.activity_type, page int, page_size int)
RETURNS text[] LANGUAGE sql AS $$
	SELECT coalesce(array_agg(id ORDER BY occurred_at DESC, id DESC), '{}')
	FROM (SELECT id, occurred_at FROM clarky.activities
		  WHERE workspace_id = clarky.current_workspace() AND deleted_at IS NULL
			AND CASE kind WHEN 'contact' THEN contact_id = owner OR owner = ANY (other_contact_ids)
					 ELSE company_id = owner OR owner = ANY (other_company_ids) OR owner = ANY (via_company_ids) END
			AND (type IS NULL OR activity_type = type)
		  ORDER BY occurred_at DESC, id DESC
		  LIMIT page_size OFFSET (page - 1) * page_size) p
$$;
CREATE FUNCTION pg_temp.pages_match(kind text, owner text, type clarky.activity_type, page_size int)
RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(page::text, ',' ORDER BY page), 'all')
	FROM generate_series(1, 700 / page_size + 2) page
	WHERE pg_temp.page_ids(kind, owner, type, page, page_size)
		  IS DISTINCT FROM pg_temp.expected_ids(kind, owner, type, page, page_size)
$$;

------------------------------------------------------------------------------
-- Deep pages: the same rows as ORDER BY ... LIMIT ... OFFSET, from both ends
------------------------------------------------------------------------------

SELECT is(pg_temp.pages_match('contact', 'c_deep', NULL, 1), 'all',
	'page_size 1: all 640 pages (index order, by ids from the newest end, from the oldest end) match, and the 2 past the end');
SELECT is(pg_temp.pages_match('contact', 'c_deep', NULL, 7), 'all', 'page_size 7: every page matches');
SELECT is(pg_temp.pages_match('contact', 'c_deep', NULL, 25), 'all', 'page_size 25: every page matches');
SELECT is(pg_temp.pages_match('contact', 'c_deep', NULL, 100), 'all', 'page_size 100: every page matches');
SELECT is(pg_temp.pages_match('contact', 'c_deep', 'call', 3), 'all', 'filtered by type, page_size 3: every page matches');
SELECT is(pg_temp.pages_match('contact', 'c_deep', 'reminder', 1), 'all', 'filtered by type, page_size 1: every page matches');
SELECT is(pg_temp.pages_match('company', 'co_deep', NULL, 1), 'all', 'a company''s timeline, page_size 1: every page matches');
SELECT is(pg_temp.pages_match('company', 'co_deep', 'todo', 2), 'all', 'a company''s filtered timeline: every page matches');

SELECT is(clarky.contact_activities('c_deep', NULL, 30, 25)::jsonb,
	'{"data": [], "pagination": {"page": 30, "page_size": 25, "total": 640, "total_pages": 26}}',
	'a deep page past the end: empty, with the true totals');
SELECT is(jsonb_array_length(clarky.contact_activities('c_deep', NULL, 26, 25)::jsonb -> 'data'), 15,
	'the last, partial page from the oldest end has the 15 oldest');
SELECT is(clarky.contact_activities('c_deep', NULL, 26, 25)::jsonb #>> '{data,14,title}', 'row 1',
	'ending with the oldest activity');

------------------------------------------------------------------------------
-- Totals stay exact under every kind of write
------------------------------------------------------------------------------

CREATE FUNCTION pg_temp.totals_exact() RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(format('%s %s %s: %s vs %s', kind, owner, coalesce(type::text, 'all'), got, want), '; '), 'exact')
	FROM (
		SELECT kind, owner, type,
			   (CASE kind WHEN 'contact' THEN clarky.contact_activities(owner, type, 1000, 1)
						  ELSE clarky.company_activities(owner, type, 1000, 1) END
				-> 'pagination' ->> 'total')::bigint AS got,
			   (SELECT count(*) FROM clarky.activities a
				WHERE a.workspace_id = clarky.current_workspace() AND a.deleted_at IS NULL
				  AND CASE kind WHEN 'contact' THEN a.contact_id ELSE a.company_id END = owner
				  AND (type IS NULL OR a.activity_type = type)) AS want
		FROM (VALUES ('contact', 'c_deep'), ('contact', 'c_moved'), ('company', 'co_deep'),
					 ('company', 'co_new')) AS o(kind, owner),
			 LATERAL (SELECT NULL::clarky.activity_type AS type
					  UNION ALL SELECT unnest(enum_range(NULL::clarky.activity_type))) AS t
	) x
	WHERE got IS DISTINCT FROM want
$$;

SELECT is(pg_temp.totals_exact(), 'exact', 'after the bulk INSERT, every total (all and per type) is exact');

DELETE FROM clarky.activities WHERE workspace_id = 'ws_deep' AND title LIKE 'row 1%';
SELECT is(pg_temp.totals_exact(), 'exact', 'after a DELETE');

UPDATE clarky.activities SET activity_type = 'meeting' WHERE title LIKE 'row 2%';
SELECT is(pg_temp.totals_exact(), 'exact', 'after an UPDATE of the type');

UPDATE clarky.activities SET contact_id = 'c_moved' WHERE title LIKE 'row 3%';
SELECT is(pg_temp.totals_exact(), 'exact', 'after moving activities to another contact');

UPDATE clarky.activities SET company_id = 'co_new' WHERE title LIKE 'row 4%';
SELECT is(pg_temp.totals_exact(), 'exact', 'after adding, moving and replacing companies');

UPDATE clarky.activities SET company_id = NULL WHERE title LIKE 'row 5%';
SELECT is(pg_temp.totals_exact(), 'exact', 'after removing companies');

CREATE TEMP TABLE counts_before AS SELECT array_agg(ctid::text ORDER BY ctid) AS ctids FROM clarky.activity_counts;
UPDATE clarky.activities SET title = title || '!' WHERE title LIKE 'row 6%';
SELECT is((SELECT array_agg(ctid::text ORDER BY ctid) FROM clarky.activity_counts),
	(SELECT ctids FROM counts_before),
	'an UPDATE that changes no counted column writes no count row');
SELECT is(pg_temp.totals_exact(), 'exact', 'and leaves the totals exact');

UPDATE clarky.activities SET workspace_id = 'ws_elsewhere' WHERE title LIKE 'row 7%';
SELECT is(pg_temp.totals_exact(), 'exact', 'after moving activities to another workspace');
SELECT set_config('clarky.workspace_id', 'ws_elsewhere', true);
SELECT is(clarky.contact_activities('c_deep') -> 'pagination' ->> 'total',
	(SELECT count(*)::text FROM clarky.activities WHERE workspace_id = 'ws_elsewhere' AND contact_id = 'c_deep'),
	'and they are counted in the workspace they moved to');
SELECT set_config('clarky.workspace_id', 'ws_deep', true);

SAVEPOINT before_failure;
UPDATE clarky.activities SET activity_type = 'note' WHERE title LIKE 'row 8%';
ROLLBACK TO SAVEPOINT before_failure;
SELECT is(pg_temp.totals_exact(), 'exact', 'a rolled-back write leaves the totals as they were');

------------------------------------------------------------------------------
-- Soft deletes by plain SQL: deleted_at set or cleared by the table's owner
------------------------------------------------------------------------------

UPDATE clarky.activities SET deleted_at = now() WHERE workspace_id = 'ws_deep' AND title ~ '[05]$';
SELECT is(pg_temp.totals_exact(), 'exact', 'after a plain UPDATE setting deleted_at: deleted activities left every total');
SELECT is(pg_temp.pages_match('contact', 'c_deep', NULL, 4), 'all',
	'and every page, from both ends, skips them');
SELECT is(pg_temp.pages_match('contact', 'c_deep', 'note', 2), 'all', 'and every filtered page');
SELECT is(pg_temp.pages_match('company', 'co_deep', NULL, 3), 'all', 'and every page of the company''s');
SELECT is(clarky.contact_activities('c_deep', NULL, 1, 100) -> 'pagination' ->> 'total',
	(SELECT count(*)::text FROM clarky.activities
	  WHERE workspace_id = 'ws_deep' AND contact_id = 'c_deep' AND deleted_at IS NULL),
	'(the total is the live rows'' count)');
SELECT cmp_ok((SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_deep' AND deleted_at IS NOT NULL),
	'>', 50::bigint, '(test data: many are deleted)');

UPDATE clarky.activities SET activity_type = 'reminder', contact_id = 'c_moved', company_id = 'co_new'
 WHERE workspace_id = 'ws_deep' AND title ~ '5$';
SELECT is(pg_temp.totals_exact(), 'exact', 'changing a deleted activity''s type and owners counts nothing');
UPDATE clarky.activities SET deleted_at = now() - interval '1 day'
 WHERE workspace_id = 'ws_deep' AND title ~ '[05]$';
SELECT is(pg_temp.totals_exact(), 'exact', 'nor does changing its deleted_at');

UPDATE clarky.activities SET deleted_at = NULL WHERE workspace_id = 'ws_deep' AND title ~ '0$';
SELECT is(pg_temp.totals_exact(), 'exact', 'clearing deleted_at by plain UPDATE puts activities back in every total');
UPDATE clarky.activities SET deleted_at = now(), activity_type = 'call'
 WHERE workspace_id = 'ws_deep' AND title ~ '0$';
SELECT is(pg_temp.totals_exact(), 'exact', 'deleting and changing the type in one UPDATE');
UPDATE clarky.activities SET deleted_at = NULL, contact_id = 'c_moved'
 WHERE workspace_id = 'ws_deep' AND title ~ '[02468]0$';
SELECT is(pg_temp.totals_exact(), 'exact', 'restoring and moving to another contact in one UPDATE');
UPDATE clarky.activities SET workspace_id = 'ws_elsewhere'
 WHERE workspace_id = 'ws_deep' AND deleted_at IS NOT NULL AND title ~ '25$';
SELECT is(pg_temp.totals_exact(), 'exact', 'moving deleted activities to another workspace');
SELECT set_config('clarky.workspace_id', 'ws_elsewhere', true);
SELECT is(pg_temp.totals_exact(), 'exact', 'where they are not counted either');
SELECT set_config('clarky.workspace_id', 'ws_deep', true);

DELETE FROM clarky.activities WHERE workspace_id = 'ws_deep' AND deleted_at IS NOT NULL AND title ~ '45$';
SELECT is(pg_temp.totals_exact(), 'exact', 'a plain DELETE of deleted activities leaves the totals exact');
INSERT INTO clarky.activities (contact_id, company_id, activity_type, title, deleted_at)
SELECT 'c_deep', 'co_deep', 'note', 'born deleted ' || g, now() FROM generate_series(1, 5) g;
SELECT is(pg_temp.totals_exact(), 'exact', 'a plain INSERT of deleted activities counts nothing');
SELECT is(pg_temp.pages_match('contact', 'c_deep', NULL, 9), 'all',
	'after all that, every page still matches');

SELECT is((SELECT array_agg(DISTINCT stripe) FROM clarky.activity_counts WHERE workspace_id = 'ws_deep'),
	(SELECT ARRAY[(SELECT s.stripe FROM clarky.activity_counts s LIMIT 1)]),
	'one backend writes to one stripe');

------------------------------------------------------------------------------
-- Under row-level security, the type still searches the index
------------------------------------------------------------------------------

-- A condition that is not LEAKPROOF is evaluated after the policies and
-- cannot be an index condition: the type's own operators are leakproof.
CREATE FUNCTION pg_temp.plan_as_reader(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	line text;
	plan text := '';
BEGIN
	PERFORM set_config('enable_seqscan', 'off', true), set_config('role', 'clarky_reader', true);
	FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
		plan := plan || line || E'\n';
	END LOOP;
	PERFORM set_config('role', 'none', true), set_config('enable_seqscan', 'on', true);
	RETURN plan;
END
$$;
SELECT matches(pg_temp.plan_as_reader($$SELECT id FROM clarky.activities
		WHERE workspace_id OPERATOR(pg_catalog.=) 'ws_deep' AND contact_id OPERATOR(pg_catalog.=) 'c_deep'
		  AND activity_type OPERATOR(clarky.=) 'call' AND deleted_at IS NULL
		ORDER BY occurred_at DESC, id DESC LIMIT 25$$),
	'Index Cond: .*activity_type OPERATOR\(clarky\.=\)',
	'as a reader under row-level security, a type-filtered page is an index condition on the type');
SELECT matches(pg_temp.plan_as_reader($$SELECT sum(calls) FROM clarky.activity_counts
		WHERE workspace_id OPERATOR(pg_catalog.=) 'ws_deep' AND owner_kind OPERATOR(pg_catalog.=) 'contact'
		  AND owner_id OPERATOR(pg_catalog.=) 'c_deep'$$),
	'Index Scan using activity_counts_pkey on activity_counts(.|\n)*Index Cond: .*owner_id = ',
	'and its kept total is one probe of the counts'' key');

------------------------------------------------------------------------------
-- Deep pages begin in the month the counts' months tell
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', 'ws_months', true);
SELECT clarky.add_contact_to_company('c_mon', 'co_mon');

-- 420 activities of c_mon over 35 months, logged through the API (half of
-- them name co_mon too, the others reach it through c_mon), with ties: at
-- each month's first instant, a microsecond before it, before 1970 and
-- after 2099 (the counts' first and last months)
SELECT count(clarky.log_activity(jsonb_build_object(
	'activity_type', (enum_range(NULL::clarky.activity_type))[1 + g % 7],
	'contact_id', 'c_mon',
	'company_id', CASE WHEN g % 2 = 0 THEN 'co_mon' END,
	'title', 'mon ' || g,
	'occurred_at', to_char(CASE
		WHEN g % 6 = 0 THEN timestamptz '2024-01-01 00:00:00+00' + (g % 35) * interval '1 month'
		WHEN g % 6 = 1 THEN timestamptz '2024-01-01 00:00:00+00' + (g % 35) * interval '1 month' - interval '1 microsecond'
		WHEN g = 5 THEN timestamptz '1965-07-01 12:00:00+00'
		WHEN g = 11 THEN timestamptz '1969-12-31 23:59:59.999999+00'
		WHEN g = 17 THEN timestamptz '2100-01-01 00:00:00+00'
		WHEN g = 23 THEN timestamptz '2150-06-01 00:00:00+00'
		ELSE timestamptz '2024-02-29 10:00:00+00' + (g % 35) * interval '1 month' + (g % 3) * interval '1 day'
	END AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))))
FROM generate_series(1, 420) g;

-- The kept months of each owner, summed over stripes, against a recount of
-- the rows in plain SQL (months from 1970-01, clamped to 0 .. 1559)
CREATE FUNCTION pg_temp.months_exact() RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(format('%s %s month %s: %s vs %s', kind, owner, month, kept, want), '; '), 'exact')
	FROM (SELECT c.owner_kind AS kind, c.owner_id AS owner, array_lower(c.months, 1) + u.i - 1 AS month,
				 sum(u.n) AS kept
		  FROM clarky.activity_counts c, unnest(c.months) WITH ORDINALITY AS u (n, i)
		  WHERE c.workspace_id = 'ws_months'
		  GROUP BY 1, 2, 3 HAVING sum(u.n) <> 0) k
	FULL JOIN (
		SELECT o.kind, o.id AS owner,
			   greatest(0, least(1559, (extract(year FROM a.occurred_at AT TIME ZONE 'UTC')::int - 1970) * 12
										+ extract(month FROM a.occurred_at AT TIME ZONE 'UTC')::int - 1)) AS month,
			   count(*) AS want
		FROM clarky.activities a
		CROSS JOIN LATERAL (
			VALUES ('contact', a.contact_id), ('company', a.company_id)
			UNION ALL SELECT 'contact', c FROM unnest(a.other_contact_ids) c
			UNION ALL SELECT 'company', c FROM unnest(a.other_company_ids) c
			UNION ALL SELECT 'via_company', c FROM unnest(a.via_company_ids) c) AS o (kind, id)
		WHERE a.workspace_id = 'ws_months' AND a.deleted_at IS NULL AND o.id IS NOT NULL
		GROUP BY 1, 2, 3) w USING (kind, owner, month)
	WHERE kept IS DISTINCT FROM want
$$;

SELECT is(pg_temp.months_exact(), 'exact',
	'the kept months are the rows'' months (UTC, 1970-01 as 0), those before 1970 in the first and from 2100 on in the last');
SELECT is((SELECT array_lower(months, 1) || ':' || array_upper(months, 1) FROM clarky.activity_counts
		   WHERE workspace_id = 'ws_months' AND owner_kind = 'contact' AND owner_id = 'c_mon'),
	'0:1559', 'c_mon''s months span the first and the last month');
SELECT is((SELECT array_lower(months, 1) || ':' || array_upper(months, 1) FROM clarky.activity_counts
		   WHERE workspace_id = 'ws_months' AND owner_kind = 'company' AND owner_id = 'co_mon'),
	'648:683', 'co_mon''s own span its months only: 2024-01 to 2026-12');
SELECT is(pg_temp.pages_match('contact', 'c_mon', NULL, 1), 'all',
	'page_size 1: every page of 420 over 35 months matches ORDER BY ... OFFSET, and the 2 past the end');
SELECT is(pg_temp.pages_match('contact', 'c_mon', NULL, 7), 'all', 'page_size 7: every page matches');
SELECT is(pg_temp.pages_match('contact', 'c_mon', NULL, 100), 'all', 'page_size 100: pages that span several months match');
SELECT is(pg_temp.pages_match('company', 'co_mon', NULL, 3), 'all',
	'a company''s whole timeline (its own and through its people), page_size 3: every page matches');
SELECT is(pg_temp.pages_match('company', 'co_mon', NULL, 25), 'all', 'and page_size 25');

-- Writes that move activities between months
SELECT is((SELECT count(clarky.update_activity(id, jsonb_build_object('occurred_at', '2019-05-05T05:05:05.000Z')))::int
		   FROM clarky.activities WHERE workspace_id = 'ws_months' AND title LIKE 'mon 1_'), 10,
	'update_activity moves ten activities to 2019-05');
UPDATE clarky.activities SET occurred_at = occurred_at + interval '40 days'
	WHERE workspace_id = 'ws_months' AND title LIKE 'mon 2%' AND company_id IS NOT NULL;
SELECT count(clarky.delete_activity(id)) FROM clarky.activities WHERE workspace_id = 'ws_months' AND title LIKE 'mon 3%';
SELECT count(clarky.restore_activity(id)) FROM clarky.activities WHERE workspace_id = 'ws_months' AND title LIKE 'mon 3_';
DELETE FROM clarky.activities WHERE workspace_id = 'ws_months' AND title LIKE 'mon 4_';
SELECT is(pg_temp.months_exact(), 'exact',
	'after moves by update_activity and plain SQL, soft deletes, restores and DELETEs, the months are exact');
SELECT is(pg_temp.pages_match('contact', 'c_mon', NULL, 4), 'all', 'and every page of the contact matches');
SELECT is(pg_temp.pages_match('company', 'co_mon', NULL, 6), 'all', 'and of the company');

-- Months that do not add up to the counts (kept by hand, or by an older
-- library): deep pages read from the nearer end instead, still right
UPDATE clarky.activity_counts SET months = '{}' WHERE workspace_id = 'ws_months' AND owner_kind = 'contact';
SELECT is(pg_temp.pages_match('contact', 'c_mon', NULL, 9), 'all',
	'months that do not add up to the total are not used: every page still matches');
UPDATE clarky.activity_counts SET months = '{1,NULL}' WHERE workspace_id = 'ws_months' AND owner_kind = 'contact';
SELECT is(pg_temp.pages_match('contact', 'c_mon', NULL, 9), 'all',
	'nor are months with nulls in them');
UPDATE clarky.activity_counts
SET months = ('[0:0]={' || (notes + calls + meetings + video_calls + tasks + todos + reminders) || '}')::bigint[]
WHERE workspace_id = 'ws_months' AND owner_kind = 'contact';
SELECT isnt(pg_temp.pages_match('contact', 'c_mon', NULL, 9), 'all',
	'months that add up but lie (all in 1970-01) are believed: the deep pages do read from the month they tell');
SELECT is(clarky.rebuild_activity_counts() > 0 AND pg_temp.months_exact() = 'exact', true,
	'rebuild_activity_counts recounts the months too');

-- clarky.add_to_month_count, the months' arithmetic
SELECT is(clarky.add_to_month_count('{}', '2026-12-03T10:00:00Z', 2)::text, '[683:683]={2}',
	'add_to_month_count: a first month (2026-12 is 683)');
SELECT is(clarky.add_to_month_count('[683:683]={2}', '2026-09-30T23:59:59.999999Z', 1)::text, '[680:683]={1,0,0,2}',
	'grows the array back to an earlier month, with zeros between');
SELECT is(clarky.add_to_month_count('[680:683]={1,0,0,2}', '2026-12-01T00:00:00Z', -2)::text, '[680:680]={1}',
	'trims the zeros from the end');
SELECT is(clarky.add_to_month_count('[680:680]={1}', '2026-09-01T00:00:00Z', -1)::text, '{}',
	'and leaves an empty array when nothing is counted');
SELECT is(clarky.add_to_month_count('{}', '0001-01-01T00:00:00Z', 1)::text || ' ' ||
		  clarky.add_to_month_count('{}', '9999-12-31T23:59:59Z', 1)::text, '[0:0]={1} [1559:1559]={1}',
	'counts the years 0001 in the first month and 9999 in the last');
SELECT throws_ok($$SELECT clarky.add_to_month_count('{{1},{2}}', now(), 1)$$, '22023',
	'parameter "months" must be a one-dimensional bigint array without nulls',
	'refuses a two-dimensional array');
SELECT throws_ok($$SELECT clarky.add_to_month_count('{1,NULL}', now(), 1)$$, '22023',
	'parameter "months" must be a one-dimensional bigint array without nulls',
	'and one with nulls');
SELECT is((SELECT clarky.month_counts(t, 1)::text
		   FROM unnest(ARRAY[timestamptz '2026-01-15Z', '2026-03-01Z', '2026-01-31T23:59:59Z', '2026-03-31Z']) t),
	'[672:674]={2,0,2}', 'the aggregate month_counts counts per month');

SELECT set_config('clarky.workspace_id', 'ws_deep', true);

------------------------------------------------------------------------------
-- Recounting after a bulk load without the trigger, and TRUNCATE
------------------------------------------------------------------------------

ALTER TABLE clarky.activities DISABLE TRIGGER activities_counts;
INSERT INTO clarky.activities (contact_id, activity_type)
SELECT 'c_deep', 'task' FROM generate_series(1, 50);
SELECT is(pg_temp.totals_exact(), 'exact',
	'while the trigger is disabled, totals are counted from the rows, exactly');
SELECT is(pg_temp.pages_match('contact', 'c_deep', NULL, 3), 'all',
	'and deep pages still match');
ALTER TABLE clarky.activities ENABLE TRIGGER activities_counts;
SELECT isnt(pg_temp.totals_exact(), 'exact', 'enabled again, the trigger''s counts lag behind the load');
SELECT cmp_ok(clarky.rebuild_activity_counts(), '>', 0::bigint, 'rebuild_activity_counts recounts');
SELECT is(pg_temp.totals_exact(), 'exact', 'after which every total is exact again, deleted activities left out');
SELECT is((SELECT sum(notes + calls + meetings + video_calls + tasks + todos + reminders)::bigint
		   FROM clarky.activity_counts WHERE workspace_id = 'ws_deep' AND owner_kind = 'contact'),
	(SELECT count(*) FROM clarky.activities WHERE workspace_id = 'ws_deep' AND contact_id IS NOT NULL AND deleted_at IS NULL),
	'the recount counts only live activities');
SELECT is((SELECT array_agg(DISTINCT stripe) FROM clarky.activity_counts), ARRAY[0],
	'in one stripe per owner');
SELECT is((SELECT count(*)::int FROM clarky.activity_counts
		   WHERE notes + calls + meetings + video_calls + tasks + todos + reminders <= 0), 0,
	'and no empty count rows');

SELECT ok(clarky.log_activity('{"activity_type": "note", "contact_ids": ["c_deep", "c_other"]}') IS NOT NULL,
	'a note tagged with two contacts is logged');
SELECT isnt((SELECT count(*)::int FROM clarky.activity_links), 0, 'so before a TRUNCATE, links are there');
TRUNCATE clarky.activities;
SELECT is((SELECT count(*)::int FROM clarky.activity_counts), 0, 'TRUNCATE empties the counts too');
SELECT is((SELECT count(*)::int FROM clarky.activity_links), 0, 'and the links');
SELECT is(clarky.contact_activities('c_deep', NULL, 20, 25) -> 'pagination' ->> 'total', '0',
	'and a deep page then says total 0');

SELECT * FROM finish();
ROLLBACK;
