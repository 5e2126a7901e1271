-- 060_session_settings.sql: output and input do not depend on the session's
-- TimeZone, DateStyle, extra_float_digits or search_path.
BEGIN;
SELECT plan(32);

------------------------------------------------------------------------------
-- First calls of this backend, under a hostile search_path (a schema whose
-- text "=" is always true, searched before pg_catalog): the extension's
-- prepared plans must not depend on it
------------------------------------------------------------------------------

CREATE SCHEMA hostile;
CREATE FUNCTION hostile.always(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hostile.always);
-- other rows, in another workspace, that a hostile "=" would let in
INSERT INTO clarky.activities (workspace_id, contact_id, company_id, activity_type)
	SELECT 'ws_other', 'c_other', 'co_other', 'call' FROM generate_series(1, 3);

SET LOCAL search_path = hostile, pg_catalog;
SET LOCAL TimeZone = 'UTC';
SELECT pg_catalog.set_config('test.hostile_check', (('a'::text OPERATOR(hostile.=) 'b'::text))::text, true) \g /dev/null
CREATE TEMP TABLE first_calls (n int, response json);
INSERT INTO first_calls SELECT 1, clarky.log_activity(
	'{"activity_type": "note", "contact_id": "c_path", "occurred_at": "2020-01-01"}');
INSERT INTO first_calls SELECT 2, clarky.log_activity(
	'{"activity_type": "call", "contact_id": "c_path", "company_id": "co_path", "occurred_at": "2020-01-02"}');
INSERT INTO first_calls SELECT 3, clarky.contact_activities('c_path', NULL, 1, 1);
INSERT INTO first_calls SELECT 4, clarky.contact_activities('c_path', 'call', 1, 1);
INSERT INTO first_calls SELECT 5, clarky.company_activities('co_path', NULL, 1, 1);
INSERT INTO first_calls SELECT 6, clarky.company_activities('co_path', 'call', 1, 1);
-- the functions of an activity's life, first called here too; a hostile "="
-- in their statements would read or write every row
INSERT INTO first_calls SELECT 7, clarky.get_activity((SELECT response -> 'data' ->> 'id' FROM first_calls WHERE n = 1));
INSERT INTO first_calls SELECT 8, clarky.update_activity((SELECT response -> 'data' ->> 'id' FROM first_calls WHERE n = 1),
	'{"title": "patched", "metadata": {"k": 1}}', 1);
INSERT INTO first_calls SELECT 9, clarky.complete_activity((SELECT response -> 'data' ->> 'id' FROM first_calls WHERE n = 1),
	'2026-01-01 00:00:00+00');
INSERT INTO first_calls SELECT 10, clarky.reopen_activity((SELECT response -> 'data' ->> 'id' FROM first_calls WHERE n = 1));
INSERT INTO first_calls SELECT 11, clarky.delete_activity((SELECT response -> 'data' ->> 'id' FROM first_calls WHERE n = 2), 1);
INSERT INTO first_calls SELECT 12, clarky.contact_activities('c_path');
INSERT INTO first_calls SELECT 13, clarky.restore_activity((SELECT response -> 'data' ->> 'id' FROM first_calls WHERE n = 2));

SET LOCAL search_path = public, pg_catalog;

SELECT is(current_setting('test.hostile_check'), 'true', '(test setup: the hostile "=" is true for any two texts)');
SELECT is(
	(SELECT array_agg(jsonb_build_object('n', n, 'items', json_array_length(response -> 'data'),
										 'total', response -> 'pagination' -> 'total') ORDER BY n)
	   FROM first_calls WHERE n BETWEEN 3 AND 6),
	ARRAY['{"n": 3, "items": 1, "total": 2}', '{"n": 4, "items": 1, "total": 1}',
		  '{"n": 5, "items": 1, "total": 1}', '{"n": 6, "items": 1, "total": 1}']::jsonb[],
	'under a hostile search_path, both timelines (filtered or not, paged and counted) are right');
SELECT is(
	(SELECT array_agg(response -> 'data' ->> 'activity_type' ORDER BY n) FROM first_calls WHERE n <= 2),
	ARRAY['note', 'call'], 'under a hostile search_path, log_activity works');
SELECT is((SELECT response::text FROM first_calls WHERE n = 7),
	(SELECT response::text FROM first_calls WHERE n = 1),
	'under a hostile search_path, get_activity reads the one activity asked for');
SELECT is(
	(SELECT jsonb_agg(jsonb_build_object('n', n, 'title', response #>> '{data,title}',
			'completed_at', response #>> '{data,completed_at}', 'version', response #> '{data,version}',
			'deleted', (response -> 'data')::jsonb ? 'deleted_at') ORDER BY n)
	   FROM first_calls WHERE n IN (8, 9, 10, 11, 13)),
	'[{"n": 8, "title": "patched", "completed_at": null, "version": 2, "deleted": false},
	  {"n": 9, "title": "patched", "completed_at": "2026-01-01T00:00:00.000Z", "version": 3, "deleted": false},
	  {"n": 10, "title": "patched", "completed_at": null, "version": 4, "deleted": false},
	  {"n": 11, "title": null, "completed_at": null, "version": 2, "deleted": true},
	  {"n": 13, "title": null, "completed_at": null, "version": 3, "deleted": false}]'::jsonb,
	'under a hostile search_path, update, complete, reopen, delete and restore work');
SELECT is(
	(SELECT jsonb_agg(jsonb_build_object('ws', workspace_id, 'title', title, 'version', version,
										 'deleted', deleted_at IS NOT NULL) ORDER BY workspace_id, id)
	   FROM clarky.activities WHERE workspace_id IN ('default', 'ws_other')),
	'[{"ws": "default", "title": "patched", "version": 4, "deleted": false},
	  {"ws": "default", "title": null, "version": 3, "deleted": false},
	  {"ws": "ws_other", "title": null, "version": 1, "deleted": false},
	  {"ws": "ws_other", "title": null, "version": 1, "deleted": false},
	  {"ws": "ws_other", "title": null, "version": 1, "deleted": false}]'::jsonb,
	'and each wrote only the activity it was given, no other row');
SELECT is((SELECT response -> 'pagination' ->> 'total' FROM first_calls WHERE n = 12), '1',
	'under a hostile search_path, a deleted activity leaves the timeline''s total');

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/render.psql

-- The payload logged under each setting, and the exact text expected back
CREATE FUNCTION payload() RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT '{"activity_type": "call", "contact_id": "c_tz", "title": "Call across zones",
			 "duration_minutes": 1.5,
			 "due_date": "2026-03-08T02:30:00-05:00",
			 "completed_at": "2026-11-01T01:30:00-04:00",
			 "occurred_at": "2026-03-08T07:30:00.123456Z",
			 "metadata": {"score": 0.1, "big": 1e20, "when": "2026-01-01"}}'::jsonb
$$;
CREATE FUNCTION expected_log(id text) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT format('{"data": {"id": "%s", "contact_id": "c_tz", "company_id": null, '
				  '"activity_type": "call", "title": "Call across zones", "description": null, '
				  '"due_date": "2026-03-08T07:30:00.000Z", "duration_minutes": 1.5, '
				  '"completed_at": "2026-11-01T05:30:00.000Z", '
				  '"metadata": {"big": 100000000000000000000, "when": "2026-01-01", "score": 0.1}, '
				  '"created_at": "%s", "occurred_at": "2026-03-08T07:30:00.123Z", '
				  '"owner_id": null, "updated_at": "%s", "version": 1, '
				  '"contact_ids": ["c_tz"], "company_ids": []}}',
				  id, now_rendered(), now_rendered())
$$;

CREATE TEMP TABLE logs (setting text PRIMARY KEY, response json);
CREATE TEMP TABLE lists (setting text PRIMARY KEY, response json);

-- c_list: a timeline with every kind of value, logged once under UTC
SELECT clarky.log_activity(p::jsonb) FROM unnest(ARRAY[
	'{"activity_type": "meeting", "contact_id": "c_list", "duration_minutes": 32, "occurred_at": "2026-03-08T06:59:59.999Z", "due_date": "2026-03-29T01:00:00Z"}',
	'{"activity_type": "task", "contact_id": "c_list", "due_date": "2026-10-25T00:59:59.999999Z", "occurred_at": "2026-03-08T07:00:00Z", "duration_minutes": 0.25}',
	'{"activity_type": "video_call", "contact_id": "c_list", "company_id": "co_list", "duration_minutes": 1000000, "completed_at": "2000-02-29T23:59:59+01:00", "occurred_at": "1999-12-31T23:00:00-01:00"}',
	'{"activity_type": "reminder", "contact_id": "c_list", "due_date": "0001-01-01", "completed_at": "9999-12-31T23:59:59.999Z", "occurred_at": "2026-07-01T12:00:00+14:00"}']) AS p
\g /dev/null

------------------------------------------------------------------------------
-- Baseline: UTC, ISO
------------------------------------------------------------------------------

SET LOCAL TimeZone = 'UTC';
SET LOCAL DateStyle = 'ISO, MDY';
SET LOCAL extra_float_digits = 1;
INSERT INTO logs SELECT 'UTC', clarky.log_activity(payload());
INSERT INTO lists SELECT 'UTC', clarky.contact_activities('c_list');

SELECT is((SELECT response::text FROM logs WHERE setting = 'UTC'),
	expected_log((SELECT response -> 'data' ->> 'id' FROM logs WHERE setting = 'UTC')),
	'UTC, ISO: log_activity renders every timestamp in UTC with milliseconds');
SELECT is(
	(SELECT array_agg(e ->> 'occurred_at' ORDER BY o)
	   FROM lists, json_array_elements(response -> 'data') WITH ORDINALITY AS x(e, o)
	  WHERE setting = 'UTC'),
	ARRAY['2026-06-30T22:00:00.000Z', '2026-03-08T07:00:00.000Z',
		  '2026-03-08T06:59:59.999Z', '2000-01-01T00:00:00.000Z'],
	'UTC, ISO: the timeline renders occurred_at in UTC');

------------------------------------------------------------------------------
-- America/New_York, SQL DMY
------------------------------------------------------------------------------

SET LOCAL TimeZone = 'America/New_York';
SET LOCAL DateStyle = 'SQL, DMY';
INSERT INTO logs SELECT 'New York', clarky.log_activity(payload());
INSERT INTO lists SELECT 'New York', clarky.contact_activities('c_list');

SELECT is((SELECT response::text FROM logs WHERE setting = 'New York'),
	expected_log((SELECT response -> 'data' ->> 'id' FROM logs WHERE setting = 'New York')),
	'America/New_York, SQL DMY: log_activity returns the same text as under UTC');
SELECT is((SELECT response::text FROM lists WHERE setting = 'New York'),
	(SELECT response::text FROM lists WHERE setting = 'UTC'),
	'America/New_York, SQL DMY: the timeline is the same text as under UTC');
SELECT is(clarky.company_activities('co_list')::text,
	'{"data": [' || (SELECT (response -> 'data' -> 3)::text FROM lists WHERE setting = 'UTC')
		|| '], "pagination": {"page": 1, "page_size": 25, "total": 1, "total_pages": 1}}',
	'America/New_York, SQL DMY: the company timeline is the same text as under UTC');
SELECT is(
	(SELECT ROW(due_date, completed_at, occurred_at)::text FROM clarky.activities
	  WHERE id = (SELECT response -> 'data' ->> 'id' FROM logs WHERE setting = 'New York')),
	ROW(timestamptz '2026-03-08 07:30:00+00', timestamptz '2026-11-01 05:30:00+00',
		timestamptz '2026-03-08 07:30:00.123456+00')::text,
	'America/New_York: offsets in the payload give the same instants');
SELECT is(clarky.log_activity('{"activity_type": "task", "contact_id": "c_ny", "due_date": "2026-04-29"}')
		-> 'data' ->> 'due_date',
	'2026-04-29T00:00:00.000Z',
	'America/New_York: a date alone is midnight UTC, not midnight in New York');
SELECT is((SELECT due_date FROM clarky.activities WHERE contact_id = 'c_ny'),
	timestamptz '2026-04-29 00:00:00+00', 'America/New_York: a date alone is stored as midnight UTC');
SELECT is(clarky.log_activity('{"activity_type": "task", "contact_id": "c_ny", "due_date": "2026-04-29T15:30:00+02:00"}')
		-> 'data' ->> 'due_date',
	'2026-04-29T13:30:00.000Z', 'America/New_York: +02:00 is converted to UTC');
SELECT is(clarky.log_activity('{"activity_type": "task", "contact_id": "c_ny", "due_date": "2026-03-08T02:30:00Z"}')
		-> 'data' ->> 'due_date',
	'2026-03-08T02:30:00.000Z', 'America/New_York: an instant in the skipped DST hour is kept');
SELECT is(clarky.log_activity('{"activity_type": "note", "contact_id": "c_ny"}') -> 'data' ->> 'created_at',
	now_rendered(), 'America/New_York: created_at is rendered in UTC');

------------------------------------------------------------------------------
-- Asia/Kolkata (+05:30), German, extra_float_digits 3
------------------------------------------------------------------------------

SET LOCAL TimeZone = 'Asia/Kolkata';
SET LOCAL DateStyle = 'German';
SET LOCAL extra_float_digits = 3;
INSERT INTO logs SELECT 'Kolkata', clarky.log_activity(payload());
INSERT INTO lists SELECT 'Kolkata', clarky.contact_activities('c_list');

SELECT is((SELECT response::text FROM logs WHERE setting = 'Kolkata'),
	expected_log((SELECT response -> 'data' ->> 'id' FROM logs WHERE setting = 'Kolkata')),
	'Asia/Kolkata, German, extra_float_digits 3: log_activity returns the same text');
SELECT is((SELECT response::text FROM lists WHERE setting = 'Kolkata'),
	(SELECT response::text FROM lists WHERE setting = 'UTC'),
	'Asia/Kolkata, German, extra_float_digits 3: the timeline is the same text');
SELECT is(clarky.log_activity('{"activity_type": "task", "contact_id": "c_in", "due_date": "2026-04-29"}')
		-> 'data' ->> 'due_date',
	'2026-04-29T00:00:00.000Z', 'Asia/Kolkata: a date alone is midnight UTC');

------------------------------------------------------------------------------
-- Pacific/Chatham (+12:45/+13:45), Postgres YMD, extra_float_digits -15,
-- IntervalStyle and a different lc_time
------------------------------------------------------------------------------

SET LOCAL TimeZone = 'Pacific/Chatham';
SET LOCAL DateStyle = 'Postgres, YMD';
SET LOCAL extra_float_digits = -15;
SET LOCAL IntervalStyle = 'sql_standard';
SET LOCAL lc_numeric = 'C.UTF-8';
SET LOCAL lc_time = 'C.UTF-8';
INSERT INTO logs SELECT 'Chatham', clarky.log_activity(payload());
INSERT INTO lists SELECT 'Chatham', clarky.contact_activities('c_list');

SELECT is((SELECT response::text FROM logs WHERE setting = 'Chatham'),
	expected_log((SELECT response -> 'data' ->> 'id' FROM logs WHERE setting = 'Chatham')),
	'Pacific/Chatham, Postgres YMD, extra_float_digits -15: log_activity returns the same text');
SELECT is((SELECT response::text FROM lists WHERE setting = 'Chatham'),
	(SELECT response::text FROM lists WHERE setting = 'UTC'),
	'Pacific/Chatham, Postgres YMD, extra_float_digits -15: the timeline is the same text');
SELECT is(
	(SELECT array_agg((e -> 'duration_minutes')::text ORDER BY o)
	   FROM lists, json_array_elements(response -> 'data') WITH ORDINALITY AS x(e, o)
	  WHERE setting = 'Chatham'),
	ARRAY['null', '0.25', '32', '1000000'],
	'extra_float_digits -15: durations are rendered with every digit');

------------------------------------------------------------------------------
-- A POSIX zone and a session-level (not LOCAL) setting
------------------------------------------------------------------------------

SET LOCAL TimeZone = '<-03>+3';
SET LOCAL DateStyle = 'ISO, DMY';
INSERT INTO logs SELECT 'POSIX', clarky.log_activity(payload());
SELECT is((SELECT response::text FROM logs WHERE setting = 'POSIX'),
	expected_log((SELECT response -> 'data' ->> 'id' FROM logs WHERE setting = 'POSIX')),
	'a POSIX zone <-03>+3: log_activity returns the same text');
SELECT is(clarky.contact_activities('c_list')::text,
	(SELECT response::text FROM lists WHERE setting = 'UTC'),
	'a POSIX zone <-03>+3: the timeline is the same text');

SET TimeZone = 'Australia/Lord_Howe';
SELECT is(clarky.contact_activities('c_list')::text,
	(SELECT response::text FROM lists WHERE setting = 'UTC'),
	'a session-level TimeZone Australia/Lord_Howe: the timeline is the same text');
SET LOCAL TimeZone = 'UTC';
SET LOCAL DateStyle = 'ISO, MDY';
SET LOCAL extra_float_digits = 1;

------------------------------------------------------------------------------
-- Back in UTC: everything logged under other settings reads the same
------------------------------------------------------------------------------

SELECT is(
	(SELECT count(DISTINCT (e::jsonb - 'id')) FROM json_array_elements(clarky.contact_activities('c_tz') -> 'data') AS e),
	1::bigint, 'the five activities logged under five settings are identical but for the id');
SELECT is(
	(SELECT count(*) FROM json_array_elements(clarky.contact_activities('c_tz') -> 'data') AS e),
	5::bigint, '(five were logged)');
SELECT is(
	(SELECT array_agg(e::text ORDER BY e::text) FROM json_array_elements(clarky.contact_activities('c_tz') -> 'data') AS e),
	(SELECT array_agg((response -> 'data')::text ORDER BY (response -> 'data')::text) FROM logs),
	'each activity reads back under UTC exactly as log_activity returned it under its setting');
SELECT is(
	(SELECT array_agg(DISTINCT (due_date, completed_at, occurred_at, duration_minutes)::text)
	   FROM clarky.activities WHERE contact_id = 'c_tz'),
	ARRAY[ROW(timestamptz '2026-03-08 07:30:00+00', timestamptz '2026-11-01 05:30:00+00',
			  timestamptz '2026-03-08 07:30:00.123456+00', 1.5)::text],
	'the stored values do not depend on the setting at logging');
SELECT is(
	(SELECT array_agg(DISTINCT created_at) FROM clarky.activities WHERE contact_id = 'c_tz'),
	ARRAY[now()], 'created_at is now() under every setting');

SELECT * FROM finish();
ROLLBACK;
