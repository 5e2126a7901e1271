-- 020_ids.sql: activity ids, "a_" and a monotonic ULID in Crockford base 32.
BEGIN;
SELECT plan(20);

SET LOCAL search_path = public, pg_catalog;

-- The Unix milliseconds in the first 10 characters of a ULID (after "a_")
CREATE FUNCTION ulid_millis(id text) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT sum((strpos('0123456789ABCDEFGHJKMNPQRSTVWXYZ', substr(id, 2 + i, 1)) - 1)::bigint
			   * (32::bigint ^ (10 - i))::bigint)::bigint
	  FROM generate_series(1, 10) AS i
$$;

CREATE FUNCTION unix_millis(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT floor(extract(epoch FROM t) * 1000)::bigint
$$;

-- The decoder itself, on the ULID spec's examples: 01ARYZ6S41 is 1469918176385
SELECT is(ulid_millis('a_01ARYZ6S41TSV4RRFFQ69G5FAV'), 1469918176385::bigint,
	'test helper: the time part of a known ULID decodes to its milliseconds');
SELECT is(ulid_millis('a_7ZZZZZZZZZZZZZZZZZZZZZZZZZ'), 281474976710655::bigint,
	'test helper: the largest ULID time decodes to 2^48 - 1');

------------------------------------------------------------------------------
-- 100,000 ids from one session
------------------------------------------------------------------------------

CREATE TEMP TABLE clock_before AS SELECT clock_timestamp() AS t;
CREATE TEMP TABLE ids AS
	SELECT n, clarky.new_activity_id() COLLATE "C" AS id
	  FROM generate_series(1, 100000) AS n;
CREATE TEMP TABLE clock_after AS SELECT clock_timestamp() AS t;

SELECT is((SELECT count(*) FROM ids), 100000::bigint, '100,000 ids were generated');
SELECT is(
	(SELECT count(*) FROM ids WHERE id !~ '^a_[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
	0::bigint,
	'every id is "a_" and 26 Crockford base-32 characters, the first 0-7');
SELECT is((SELECT count(*) FROM ids WHERE length(id) <> 28), 0::bigint,
	'every id has 28 characters');
SELECT is((SELECT count(DISTINCT id) FROM ids), 100000::bigint,
	'the 100,000 ids are all different');
SELECT is(
	(SELECT count(*) FROM (
		SELECT id, lag(id) OVER (ORDER BY n) AS prev FROM ids) AS s
	  WHERE prev IS NOT NULL AND NOT (id COLLATE "C" > prev COLLATE "C")),
	0::bigint,
	'each id is strictly greater (COLLATE "C") than the one generated before it');
SELECT is(
	(SELECT array_agg(id ORDER BY n) FROM ids),
	(SELECT array_agg(id ORDER BY id COLLATE "C") FROM ids),
	'sorting the ids (COLLATE "C") gives the order of generation');
SELECT is(
	(SELECT count(*) FROM (
		SELECT ulid_millis(id) AS ms, lag(ulid_millis(id)) OVER (ORDER BY n) AS prev FROM ids) AS s
	  WHERE prev IS NOT NULL AND ms < prev),
	0::bigint,
	'the time part never goes backwards within the session');
SELECT ok(
	(SELECT min(ulid_millis(id)) FROM ids)
		>= (SELECT unix_millis(t) FROM clock_before) - 2000
	AND (SELECT max(ulid_millis(id)) FROM ids)
		<= (SELECT unix_millis(t) FROM clock_after) + 2000,
	'the time part of every id decodes to the wall clock of its generation (within 2 s)');
SELECT cmp_ok(
	abs(ulid_millis(clarky.new_activity_id()) - unix_millis(clock_timestamp())),
	'<=', 2000::bigint,
	'a fresh id''s time part is now, in Unix milliseconds');
SELECT cmp_ok(
	(SELECT count(DISTINCT substr(id, 13)) FROM ids WHERE n <= 1000),
	'=', 1000::bigint,
	'the random parts (last 16 characters) of ids differ');

------------------------------------------------------------------------------
-- Ids from log_activity
------------------------------------------------------------------------------

CREATE TEMP TABLE logged (n int, id text COLLATE "C", response json);
INSERT INTO logged SELECT 0, clarky.new_activity_id(), NULL;
INSERT INTO logged SELECT n, NULL,
	clarky.log_activity(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_ids',
										   'title', 'note ' || n))
  FROM generate_series(1, 5) AS n;
UPDATE logged SET id = response -> 'data' ->> 'id' WHERE n > 0;
INSERT INTO logged SELECT 6, clarky.new_activity_id(), NULL;

SELECT is(
	(SELECT count(*) FROM logged WHERE n BETWEEN 1 AND 5
		AND id ~ '^a_[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
	5::bigint, 'ids from log_activity have the same format');
SELECT is(
	(SELECT array_agg(id ORDER BY n) FROM logged),
	(SELECT array_agg(id ORDER BY id COLLATE "C") FROM logged),
	'ids from log_activity increase in the order of logging, between new_activity_id() calls before and after');
SELECT is(
	(SELECT count(DISTINCT id) FROM logged), 7::bigint,
	'ids from log_activity and new_activity_id() never repeat');
SELECT bag_eq(
	$$SELECT id::text, title FROM clarky.activities WHERE contact_id = 'c_ids'$$,
	$$SELECT id::text, 'note ' || n FROM logged WHERE n BETWEEN 1 AND 5$$,
	'the id log_activity returns is the id stored in clarky.activities');
SELECT cmp_ok(
	(SELECT max(abs(ulid_millis(id) - unix_millis(clock_timestamp()))) FROM logged),
	'<=', 5000::bigint,
	'the time part of ids from log_activity is the time of logging');
SELECT is(
	(SELECT array_agg(e ->> 'id' ORDER BY o)
	   FROM json_array_elements(clarky.contact_activities('c_ids') -> 'data') WITH ORDINALITY AS x(e, o)),
	(SELECT array_agg(id::text ORDER BY n DESC) FROM logged WHERE n BETWEEN 1 AND 5),
	'activities logged in the same instant come back newest id first');
SELECT is(
	(SELECT count(*) FROM clarky.activities WHERE contact_id = 'c_ids' AND occurred_at = now()),
	5::bigint,
	'(the five share occurred_at, so the order above is the id tie-break)');

SELECT throws_ok(
	$$INSERT INTO clarky.activities (workspace_id, id, contact_id, activity_type)
	  SELECT workspace_id, id, 'c_other', 'call' FROM clarky.activities WHERE contact_id = 'c_ids' LIMIT 1$$,
	'23505', NULL,
	'an id cannot repeat within a workspace (primary key)');

SELECT * FROM finish();
ROLLBACK;
