-- 120_hostile_input.sql: hostile and extreme input is either taken exactly
-- or refused with the documented error, and never hurts the server.
BEGIN;
SELECT plan(27);

SET LOCAL search_path = public, pg_catalog;
SELECT set_config('clarky.workspace_id', 'ws_hostile_input', true);

CREATE FUNCTION pg_temp.logged(payload text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT clarky.log_activity(payload::jsonb)::jsonb -> 'data'
$$;
CREATE FUNCTION pg_temp.with_field(field text, value text) RETURNS text LANGUAGE sql AS $$
	SELECT format('{"activity_type": "note", "contact_id": "c_hostile", %s: %s}', to_json(field), value)
$$;

------------------------------------------------------------------------------
-- Injection strings are data
------------------------------------------------------------------------------

CREATE TEMP TABLE injections (s text);
INSERT INTO injections VALUES
	($$'; DROP TABLE clarky.activities; --$$), ($$" OR 1=1 --$$), ($$\'); SELECT pg_sleep(10); --$$),
	('$$ LANGUAGE sql; $$'), ('%s %n %x %%'), ('<script>alert(1)</script>'), ('{"data": []}'),
	(E'line\nbreak\ttab\rreturn\u0001\u001f'), ('🧨 ünïcödé ‮reversed');

SELECT is(
	(SELECT count(*)::int FROM injections i
	 WHERE (SELECT d ->> 'title' = i.s AND d ->> 'description' = i.s AND d ->> 'contact_id' = i.s
				   AND d #>> '{metadata,note}' = i.s
			FROM pg_temp.logged(json_build_object('activity_type', 'note', 'contact_id', i.s,
				'title', i.s, 'description', i.s, 'metadata', json_build_object('note', i.s))::text) d)),
	9, 'injection strings are stored and rendered back exactly, in every string field');
SELECT is(
	(SELECT count(*)::int FROM injections i
	 WHERE (clarky.contact_activities(i.s)::jsonb -> 'pagination' ->> 'total') = '1'),
	9, 'and read back through the timeline by the same strings as contact ids');
SELECT has_table('clarky', 'activities', 'the table is still there');
SELECT ok((SELECT bool_and(clarky.contact_activities(i.s)::text::jsonb IS NOT NULL) FROM injections i),
	'every timeline answer parses as JSON');

------------------------------------------------------------------------------
-- Bytes the JSON layer refuses before the extension sees them
------------------------------------------------------------------------------

SELECT throws_ok($$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c", "title": "a\u0000b"}')$$,
	'22P05', NULL, '\u0000 is refused by jsonb input (22P05)');
SELECT throws_ok($$SELECT clarky.log_activity(convert_from('\x7b2274223a22ff227d', 'SQL_ASCII')::jsonb)$$,
	'22021', NULL, 'invalid UTF-8 is refused (22021)');
SELECT throws_ok($$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c", "duration_minutes": NaN}')$$,
	'22P02', NULL, 'NaN is not JSON (22P02)');

------------------------------------------------------------------------------
-- Sizes
------------------------------------------------------------------------------

SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('title', to_json(repeat('t', 1048576))::text)),
	'22001', 'field "title" is too long', 'a 1 MB title: 22001');
SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('description', to_json(repeat('d', 1048576))::text)),
	'22001', 'field "description" is too long', 'a 1 MB description: 22001');
SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('metadata', '{"a": ' || repeat('[', 10000) || repeat(']', 10000) || '}')),
	'54000', 'field "metadata" is nested too deeply', 'metadata nested 10,000 levels: 54000');
SELECT is(pg_temp.logged(pg_temp.with_field('metadata', '{"a": ' || repeat('[', 31) || repeat(']', 31) || '}')) -> 'metadata',
	('{"a": ' || repeat('[', 31) || repeat(']', 31) || '}')::jsonb, 'metadata nested 32 levels is taken exactly');
SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('metadata',
		(SELECT json_object_agg('k' || g, repeat('v', 100))::text FROM generate_series(1, 1000) g))),
	'54000', 'field "metadata" is too large', 'metadata of 100 KB: 54000');
SELECT lives_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('title', to_json(repeat('é', 1000))::text)),
	'1,000 two-byte characters are a valid title');

------------------------------------------------------------------------------
-- Numbers
------------------------------------------------------------------------------

SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('duration_minutes', '1e400')),
	'22003', 'field "duration_minutes" must be between 0 and 1000000', '1e400: 22003');
SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('duration_minutes', '-1e-400')),
	'22003', 'field "duration_minutes" must be between 0 and 1000000', '-1e-400 (negative, however small): 22003');
SELECT is(pg_temp.logged(pg_temp.with_field('duration_minutes', '-0')) -> 'duration_minutes', '0',
	'-0 is 0');
SELECT is(pg_temp.logged(pg_temp.with_field('duration_minutes', '1e-400')) ->> 'duration_minutes',
	'0.' || repeat('0', 399) || '1', '1e-400 is taken exactly');

------------------------------------------------------------------------------
-- Timestamps
------------------------------------------------------------------------------

SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('due_date', '"0000-01-01"')),
	'22008', 'field "due_date" is out of range', 'year 0000: 22008');
SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('due_date', '"10000-01-01"')),
	'22007', 'field "due_date" is not an ISO 8601 timestamp', 'year 10000: 22007');
SELECT throws_ok(format('SELECT clarky.log_activity(%L)', pg_temp.with_field('due_date', '"2016-12-31T23:59:60Z"')),
	'22008', 'field "due_date" is out of range', 'a leap second: 22008');
SELECT is(pg_temp.logged(pg_temp.with_field('due_date', '"9999-12-31T23:59:59.999Z"')) ->> 'due_date',
	'9999-12-31T23:59:59.999Z', 'the last millisecond of 9999 is taken');
SELECT is(pg_temp.logged(pg_temp.with_field('due_date', '"0001-01-01T00:00:00Z"')) ->> 'due_date',
	'0001-01-01T00:00:00.000Z', 'the first instant of 0001 is taken');

-- Every offset, minute by minute, from -12:00 to +14:00, against PostgreSQL's own parser
SELECT is(
	(SELECT count(*)::int FROM generate_series(-12 * 60, 14 * 60) AS m,
		LATERAL (SELECT format('%s%s:%s', CASE WHEN m < 0 THEN '-' ELSE '+' END,
							   lpad((abs(m) / 60)::text, 2, '0'), lpad((abs(m) % 60)::text, 2, '0')) AS off) o
	 WHERE (pg_temp.logged(pg_temp.with_field('due_date', to_json('2026-03-29T02:30:00' || o.off)::text)) ->> 'due_date')
		   IS DISTINCT FROM
		   to_char(('2026-03-29 02:30:00' || o.off)::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
	0, 'all 1,561 offsets from -12:00 to +14:00 give the instant PostgreSQL itself computes');

-- DST gaps do not exist for explicit offsets, nor for bare dates (UTC)
SET LOCAL TimeZone = 'Europe/Berlin';
SELECT is(pg_temp.logged(pg_temp.with_field('due_date', '"2026-03-29T02:30:00+01:00"')) ->> 'due_date',
	'2026-03-29T01:30:00.000Z', 'a wall-clock time in Berlin''s DST gap, with its offset, is one exact instant');
SET LOCAL TimeZone = 'America/Sao_Paulo';
SELECT is(pg_temp.logged(pg_temp.with_field('due_date', '"2018-11-04"')) ->> 'due_date',
	'2018-11-04T00:00:00.000Z', 'a bare date on which Sao Paulo skipped midnight is still midnight UTC');
RESET TimeZone;

------------------------------------------------------------------------------
-- The server is unharmed
------------------------------------------------------------------------------

SELECT is((SELECT count(*)::int FROM clarky.activities WHERE workspace_id = 'ws_hostile_input'
		   AND contact_id IN (SELECT s FROM injections)), 9, 'every accepted write is there, once');
SELECT is(clarky.contact_activities('c_hostile', NULL, 1, 100)::jsonb #>> '{pagination,total}',
	(SELECT count(*)::text FROM clarky.activities WHERE workspace_id = 'ws_hostile_input' AND contact_id = 'c_hostile'),
	'and the totals agree with the rows');

SELECT * FROM finish();
ROLLBACK;
