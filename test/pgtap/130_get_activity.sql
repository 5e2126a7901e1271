-- 130_get_activity.sql: clarky.get_activity, and the Activity object of 1.1.0
-- (owner_id, updated_at, version) as every function renders it.
BEGIN;
SELECT plan(35);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/render.psql
\ir include/activity_life.psql

-- The whole error of stmt, with the id replaced by <id>
CREATE FUNCTION error_of(stmt text, id text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	v_state text;
	v_message text;
	v_detail text;
	v_hint text;
	v_field text;
BEGIN
	EXECUTE stmt;
	RETURN '{"error": "none"}';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
		v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT, v_field = COLUMN_NAME;
	RETURN jsonb_build_object('sqlstate', v_state, 'message', replace(v_message, id, '<id>'),
							  'detail', replace(v_detail, id, '<id>'),
							  'hint', replace(v_hint, id, '<id>'), 'field', v_field);
END
$$;

CREATE TEMP TABLE logged (name text PRIMARY KEY, id text, response json);
GRANT SELECT ON logged TO PUBLIC;
CREATE FUNCTION id_of(name text) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT id FROM logged WHERE logged.name = id_of.name
$$;
CREATE FUNCTION log_as(name text, payload jsonb) RETURNS void LANGUAGE sql AS $$
	INSERT INTO logged SELECT name, r -> 'data' ->> 'id', r FROM clarky.log_activity(payload) AS r
$$;

------------------------------------------------------------------------------
-- Data, in workspace ws_get
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', 'ws_get', true) \g /dev/null
SELECT log_as('call', '{"activity_type": "call", "contact_id": "c_get", "company_id": "co_get",
	"title": "Discovery call", "description": "Walked through the platform.",
	"due_date": "2026-05-06T17:00:00Z", "duration_minutes": 32.5,
	"completed_at": "2026-04-29T15:30:00.000Z", "metadata": {"outcome": "qualified", "n": [1, 2]},
	"occurred_at": "2026-04-29T15:00:00+02:00", "owner_id": "u_rep"}') \g /dev/null
SELECT log_as('note', '{"activity_type": "note", "company_id": "co_get"}') \g /dev/null
-- a row written with plain SQL, by the table's owner
INSERT INTO clarky.activities (contact_id, activity_type, title, created_at, occurred_at, updated_at)
VALUES ('c_get', 'todo', 'raw', '2020-02-02 02:02:02.5+00', '2020-02-01 00:00:00+00', '2020-02-03 00:00:00+00');
INSERT INTO logged SELECT 'raw', id, NULL FROM clarky.activities WHERE title = 'raw';

------------------------------------------------------------------------------
-- The Activity object of 1.1.0
------------------------------------------------------------------------------

SELECT is(keys_of((SELECT response -> 'data' FROM logged WHERE name = 'call')),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'log_activity: the seed''s keys, then occurred_at, owner_id, updated_at, version');
SELECT is(types_of((SELECT response -> 'data' FROM logged WHERE name = 'note')),
	'id:string contact_id:null company_id:string activity_type:string title:null '
	'description:null due_date:null duration_minutes:null completed_at:null '
	'metadata:object created_at:string occurred_at:string owner_id:null updated_at:string '
	'version:number contact_ids:array company_ids:array',
	'without owner_id: owner_id null, updated_at a string, version a number');
SELECT is(
	(SELECT jsonb_build_object('owner_id', response #> '{data,owner_id}', 'version', response #> '{data,version}',
							   'updated_at', response #>> '{data,updated_at}')
	   FROM logged WHERE name = 'call'),
	jsonb_build_object('owner_id', 'u_rep', 'version', 1, 'updated_at', now_rendered()),
	'a new activity: its owner_id, version 1, updated_at the moment of logging');
SELECT is((SELECT (response #>> '{data,updated_at}') = (response #>> '{data,created_at}') FROM logged WHERE name = 'call'),
	true, 'a new activity: updated_at equals created_at');
SELECT is(
	(SELECT ROW(owner_id, version, updated_at = created_at, deleted_at)::text FROM clarky.activities
	  WHERE id = id_of('call')),
	ROW('u_rep', 1, true, NULL::timestamptz)::text,
	'the stored row: owner_id, version 1, updated_at = created_at, deleted_at null');

------------------------------------------------------------------------------
-- get_activity
------------------------------------------------------------------------------

SELECT is(keys_of(clarky.get_activity(id_of('call'))), ARRAY['data'],
	'get_activity: {"data": activity}, one top-level key');
SELECT is(clarky.get_activity(id_of('call'))::text, (SELECT response::text FROM logged WHERE name = 'call'),
	'get_activity returns exactly the text log_activity returned (every field set)');
SELECT is(clarky.get_activity(id_of('note'))::text, (SELECT response::text FROM logged WHERE name = 'note'),
	'get_activity returns exactly the text log_activity returned (a company-only note)');
SELECT is(clarky.get_activity(id => id_of('note'))::text, (SELECT response::text FROM logged WHERE name = 'note'),
	'the parameter is named id');
SELECT is(clarky.get_activity(id_of('note'))::text,
	format('{"data": {"id": "%s", "contact_id": null, "company_id": "co_get", "activity_type": "note", '
		   '"title": null, "description": null, "due_date": null, "duration_minutes": null, '
		   '"completed_at": null, "metadata": {}, "created_at": "%s", "occurred_at": "%s", '
		   '"owner_id": null, "updated_at": "%s", "version": 1, "contact_ids": [], "company_ids": ["co_get"]}}',
		   id_of('note'), now_rendered(), now_rendered(), now_rendered()),
	'get_activity: the whole text');
SELECT is((clarky.get_activity(id_of('call')) -> 'data' ->> 'occurred_at'), '2026-04-29T13:00:00.000Z',
	'get_activity renders occurred_at in UTC');
SELECT is(clarky.get_activity(id_of('raw'))::text,
	format('{"data": {"id": "%s", "contact_id": "c_get", "company_id": null, "activity_type": "todo", '
		   '"title": "raw", "description": null, "due_date": null, "duration_minutes": null, '
		   '"completed_at": null, "metadata": {}, "created_at": "2020-02-02T02:02:02.500Z", '
		   '"occurred_at": "2020-02-01T00:00:00.000Z", "owner_id": null, '
		   '"updated_at": "2020-02-03T00:00:00.000Z", "version": 1, "contact_ids": ["c_get"], '
		   '"company_ids": []}}', id_of('raw')),
	'get_activity renders a row written with plain SQL, its updated_at as stored');
SELECT is(
	(SELECT array_agg(e::text ORDER BY e ->> 'id')
	   FROM json_array_elements(clarky.contact_activities('c_get') -> 'data') AS e),
	(SELECT array_agg((clarky.get_activity(id) -> 'data')::text ORDER BY id)
	   FROM logged WHERE name IN ('call', 'raw')),
	'the timeline renders each activity exactly as get_activity does');

SET LOCAL TimeZone = 'America/New_York';
SET LOCAL DateStyle = 'SQL, DMY';
SELECT is(clarky.get_activity(id_of('call'))::text, (SELECT response::text FROM logged WHERE name = 'call'),
	'America/New_York, SQL DMY: get_activity returns the same text');
SET LOCAL TimeZone = 'UTC';
SET LOCAL DateStyle = 'ISO, MDY';

SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('call'))),
	'{"sqlstate": "00000", "field": null, "changed": false}'::jsonb,
	'get_activity changes nothing (not the version either)');
SELECT is((clarky.get_activity(id_of('call')) #>> '{data,version}'), '1',
	'reading an activity again: still version 1');

------------------------------------------------------------------------------
-- Not found: unknown, another workspace's, deleted; all the same error
------------------------------------------------------------------------------

SELECT refuses($$SELECT clarky.get_activity('a_01ARYZ6S41TSV4RRFFQ69G5FAV')$$, 'P0002',
	'activity "a_01ARYZ6S41TSV4RRFFQ69G5FAV" not found', 'id', 'an unknown id');
SELECT refuses(format('SELECT clarky.get_activity(%L)', lower(id_of('call'))), 'P0002',
	format('activity "%s" not found', lower(id_of('call'))), 'id', 'ids are case sensitive');

SELECT set_config('clarky.workspace_id', 'ws_other', true) \g /dev/null
SELECT refuses(format('SELECT clarky.get_activity(%L)', id_of('call')), 'P0002',
	format('activity "%s" not found', id_of('call')), 'id', 'another workspace''s id');
SELECT is(error_of(format('SELECT clarky.get_activity(%L)', id_of('call')), id_of('call')),
	error_of($$SELECT clarky.get_activity('a_01ARYZ6S41TSV4RRFFQ69G5FAV')$$, 'a_01ARYZ6S41TSV4RRFFQ69G5FAV'),
	'another workspace''s id: the very error of an unknown id (message, detail, hint, field)');
SELECT set_config('clarky.workspace_id', '', true) \g /dev/null
SELECT throws_ok(format('SELECT clarky.get_activity(%L)', id_of('call')), 'P0002',
	format('activity "%s" not found', id_of('call')),
	'the default workspace does not see ws_get''s activity either');
SELECT set_config('clarky.workspace_id', 'ws_get', true) \g /dev/null

SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', id_of('note')), '(delete the note)');
SELECT refuses(format('SELECT clarky.get_activity(%L)', id_of('note')), 'P0002',
	format('activity "%s" not found', id_of('note')), 'id', 'a deleted activity');
SELECT is(error_of(format('SELECT clarky.get_activity(%L)', id_of('note')), id_of('note')),
	error_of($$SELECT clarky.get_activity('a_01ARYZ6S41TSV4RRFFQ69G5FAV')$$, 'a_01ARYZ6S41TSV4RRFFQ69G5FAV'),
	'a deleted activity: the very error of an unknown id');

SELECT refuses($$SELECT clarky.get_activity(NULL)$$, '22004',
	'parameter "id" must not be null', 'id', 'a NULL id');

------------------------------------------------------------------------------
-- Who may read
------------------------------------------------------------------------------

SET LOCAL ROLE clarky_reader;
SELECT is((clarky.get_activity(id_of('call')) -> 'data' ->> 'title'), 'Discovery call',
	'a reader reads an activity of its workspace');
RESET ROLE;
SET LOCAL ROLE clarky_writer;
SELECT is((clarky.get_activity(id_of('call')) -> 'data' ->> 'title'), 'Discovery call',
	'a writer reads it too');
RESET ROLE;
SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('call')), 'clarky_anon'),
	'{"sqlstate": "42501", "field": null, "changed": false}'::jsonb,
	'the anonymous role may not call get_activity (42501)');

SELECT set_config('clarky.workspace_id', 'ws_other', true) \g /dev/null
SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('call')), 'clarky_reader'),
	'{"sqlstate": "P0002", "field": "id", "changed": false}'::jsonb,
	'a reader bound to another workspace: not found (P0002)');
SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('call')), 'clarky_writer'),
	'{"sqlstate": "P0002", "field": "id", "changed": false}'::jsonb,
	'a writer bound to another workspace: not found (P0002)');
SELECT set_config('clarky.workspace_id', 'ws_get', true) \g /dev/null

SELECT * FROM finish();
ROLLBACK;
