-- 070_workspaces.sql: every call acts in one workspace (the setting
-- clarky.workspace_id, or 'default'); workspaces never see each other.
BEGIN;
SELECT plan(58);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/timeline.psql

-- Run stmt; its SQLSTATE, error COLUMN_NAME and the rows it added (in any workspace)
CREATE FUNCTION outcome(stmt text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	rows_before bigint := (SELECT count(*) FROM clarky.activities);
	v_state text := '00000';
	v_field text;
BEGIN
	BEGIN
		EXECUTE stmt;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_field = COLUMN_NAME;
	END;
	RETURN jsonb_build_object('sqlstate', v_state, 'field', nullif(v_field, ''),
							  'rows', (SELECT count(*) FROM clarky.activities) - rows_before);
END
$$;

CREATE FUNCTION total_of(response json) RETURNS int LANGUAGE sql IMMUTABLE AS $$
	SELECT (response -> 'pagination' ->> 'total')::int
$$;

-- The ids logged in each workspace, newest first
CREATE TEMP TABLE logged (workspace text, seq serial, id text);
CREATE FUNCTION log_in(payload jsonb) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	id text := clarky.log_activity(payload) -> 'data' ->> 'id';
BEGIN
	INSERT INTO logged (workspace, id) VALUES (clarky.current_workspace(), id);
	RETURN id;
END
$$;
CREATE FUNCTION logged_ids(ws text, type text DEFAULT NULL) RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(l.id ORDER BY l.seq DESC), '{}')
	  FROM logged l JOIN clarky.activities a ON a.workspace_id = l.workspace AND a.id = l.id
	 WHERE l.workspace = ws AND a.contact_id = 'c_shared'
	   AND (type IS NULL OR a.activity_type::text = type)
$$;

------------------------------------------------------------------------------
-- Unset: the default workspace
------------------------------------------------------------------------------

SELECT is(current_setting('clarky.workspace_id', true), NULL,
	'(clarky.workspace_id is not set in a new session)');
SELECT is(clarky.current_workspace(), 'default', 'unset: clarky.current_workspace() is default');
SELECT log_in('{"activity_type": "note", "contact_id": "c_shared", "company_id": "co_shared", "title": "default 1"}') \g /dev/null
SELECT is((SELECT workspace_id FROM clarky.activities WHERE id = (SELECT id FROM logged WHERE seq = 1)),
	'default', 'unset: the activity is stored in workspace default');

------------------------------------------------------------------------------
-- ws_a and ws_b, with the same contact and company ids
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', 'ws_a', true) \g /dev/null
SELECT is(clarky.current_workspace(), 'ws_a', 'set_config(''clarky.workspace_id'', ''ws_a'', true): current_workspace() is ws_a');
SELECT log_in('{"activity_type": "note", "contact_id": "c_shared", "title": "a 1", "occurred_at": "2020-01-01"}') \g /dev/null
SELECT log_in('{"activity_type": "call", "contact_id": "c_shared", "company_id": "co_shared", "title": "a 2"}') \g /dev/null
SELECT is((SELECT array_agg(DISTINCT a.workspace_id) FROM clarky.activities a JOIN logged l USING (id) WHERE l.workspace = 'ws_a'),
	ARRAY['ws_a'], 'ws_a: the activities are stored in workspace ws_a');

SELECT set_config('clarky.workspace_id', 'ws_b', true) \g /dev/null
SELECT is(clarky.current_workspace(), 'ws_b', 'current_workspace() is ws_b');
SELECT log_in('{"activity_type": "note", "contact_id": "c_shared", "title": "b 1", "occurred_at": "2020-01-01"}') \g /dev/null
SELECT log_in('{"activity_type": "call", "contact_id": "c_shared", "company_id": "co_shared", "title": "b 2"}') \g /dev/null
SELECT log_in('{"activity_type": "task", "contact_id": "c_shared", "company_id": "co_shared", "title": "b 3"}') \g /dev/null
SELECT is((SELECT array_agg(DISTINCT a.workspace_id) FROM clarky.activities a JOIN logged l USING (id) WHERE l.workspace = 'ws_b'),
	ARRAY['ws_b'], 'ws_b: the activities are stored in workspace ws_b');

-- in ws_b
SELECT is(ids_of(clarky.contact_activities('c_shared')), logged_ids('ws_b'),
	'ws_b: the contact''s timeline holds exactly ws_b''s three activities');
SELECT is(total_of(clarky.contact_activities('c_shared')), 3, 'ws_b: total 3');
SELECT is(total_of(clarky.contact_activities('c_shared', NULL, 1, 1)), 3,
	'ws_b: total 3 when counted (full page)');
SELECT is(total_of(clarky.contact_activities('c_shared', NULL, 9, 1)), 3,
	'ws_b: total 3 when counted (past the end)');
SELECT is(ids_of(clarky.contact_activities('c_shared', 'call')), logged_ids('ws_b', 'call'),
	'ws_b: filtered by call, only ws_b''s call');
SELECT is(total_of(clarky.contact_activities('c_shared', 'call', 1, 1)), 1,
	'ws_b: filtered total 1 when counted');
SELECT is(total_of(clarky.contact_activities('c_shared', 'note', 2, 1)), 1,
	'ws_b: filtered total 1 past the end');
SELECT is(total_of(clarky.company_activities('co_shared')), 2, 'ws_b: the company''s total 2');
SELECT is(total_of(clarky.company_activities('co_shared', NULL, 1, 2)), 2,
	'ws_b: the company''s total 2 when counted');
SELECT is(
	(SELECT count(*) FROM json_array_elements(clarky.company_activities('co_shared') -> 'data') AS e
	  WHERE e ->> 'title' NOT LIKE 'b %'), 0::bigint,
	'ws_b: the company''s timeline holds only ws_b''s activities');

-- back in ws_a
SELECT set_config('clarky.workspace_id', 'ws_a', true) \g /dev/null
SELECT is(ids_of(clarky.contact_activities('c_shared')), logged_ids('ws_a'),
	'ws_a: the contact''s timeline holds exactly ws_a''s two activities');
SELECT is(clarky.contact_activities('c_shared') -> 'pagination' ->> 'total', '2', 'ws_a: total 2');
SELECT is(total_of(clarky.contact_activities('c_shared', NULL, 1, 2)), 2,
	'ws_a: total 2 when counted (full page)');
SELECT is(total_of(clarky.contact_activities('c_shared', NULL, 3, 1)), 2,
	'ws_a: total 2 when counted (past the end)');
SELECT is((clarky.contact_activities('c_shared', 'task') -> 'pagination')::jsonb,
	'{"page": 1, "page_size": 25, "total": 0, "total_pages": 0}'::jsonb,
	'ws_a: no task, though ws_b has one for the same contact');
SELECT is((clarky.contact_activities('c_shared', 'task', 2, 1) -> 'pagination' ->> 'total'), '0',
	'ws_a: no task, counted past the end');
SELECT is(total_of(clarky.company_activities('co_shared')), 1, 'ws_a: the company''s total 1');
SELECT is(ids_of(clarky.company_activities('co_shared', 'call')),
	(SELECT array_agg(id) FROM logged WHERE workspace = 'ws_a' AND seq = 3),
	'ws_a: the company''s call is ws_a''s');

-- a timeline run in a parallel worker sees the setting and this transaction's rows
SET LOCAL force_parallel_mode = on;
SELECT is(
	(SELECT ids_of(clarky.contact_activities(c)) FROM (VALUES ('c_shared')) AS v(c)),
	logged_ids('ws_a'),
	'ws_a, force_parallel_mode on: the same timeline from a parallel worker');
RESET force_parallel_mode;

------------------------------------------------------------------------------
-- Empty string and RESET: back to default
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', '', true) \g /dev/null
SELECT is(clarky.current_workspace(), 'default', 'empty string: current_workspace() is default');
SELECT is(ids_of(clarky.contact_activities('c_shared')), logged_ids('default'),
	'empty string: the timeline is the default workspace''s');
SELECT log_in('{"activity_type": "todo", "contact_id": "c_shared", "title": "default 2"}') \g /dev/null
SELECT is((SELECT workspace_id FROM clarky.activities a JOIN logged l USING (id) WHERE l.seq = 7),
	'default', 'empty string: the activity is stored in workspace default');
SELECT is(total_of(clarky.contact_activities('c_shared')), 2, 'default: total 2');
SELECT is(total_of(clarky.company_activities('co_shared', NULL, 1, 1)), 1, 'default: the company''s total 1 (counted)');

SET LOCAL clarky.workspace_id = 'ws_b';
SELECT is(clarky.current_workspace(), 'ws_b', 'SET LOCAL clarky.workspace_id works as well');
RESET clarky.workspace_id;
SELECT is(clarky.current_workspace(), 'default', 'RESET: current_workspace() is default');

------------------------------------------------------------------------------
-- Raw rows follow the setting too; ids are unique per workspace
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', 'ws_raw', true) \g /dev/null
INSERT INTO clarky.activities (contact_id, activity_type) VALUES ('c_raw', 'note');
SELECT is((SELECT workspace_id FROM clarky.activities WHERE contact_id = 'c_raw'), 'ws_raw',
	'a raw INSERT takes the workspace from the setting (column default)');
SELECT lives_ok(
	$$INSERT INTO clarky.activities (workspace_id, id, contact_id, activity_type)
	  SELECT 'ws_other', id, contact_id, activity_type FROM clarky.activities WHERE contact_id = 'c_raw'$$,
	'the same id may exist in another workspace (the key is workspace_id, id)');
SELECT is(total_of(clarky.contact_activities('c_raw')), 1,
	'ws_raw: the copy in ws_other is not counted');

------------------------------------------------------------------------------
-- Workspace ids: at most 255 characters
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', repeat('w', 255), true) \g /dev/null
SELECT is(clarky.current_workspace(), repeat('w', 255), 'a workspace id of 255 characters is accepted');
SELECT is(outcome($$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_long"}')$$),
	'{"sqlstate": "00000", "field": null, "rows": 1}'::jsonb, 'logging in a 255-character workspace works');
SELECT is((SELECT workspace_id FROM clarky.activities WHERE contact_id = 'c_long'), repeat('w', 255),
	'the 255-character workspace id is stored');
SELECT is(total_of(clarky.contact_activities('c_long')), 1, 'the 255-character workspace''s timeline');

SELECT set_config('clarky.workspace_id', repeat('ü', 255), true) \g /dev/null
SELECT is(clarky.current_workspace(), repeat('ü', 255),
	'a workspace id of 255 two-byte characters is accepted (characters, not bytes)');

SELECT set_config('clarky.workspace_id', repeat('w', 256), true) \g /dev/null
SELECT throws_ok($$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_long"}')$$,
	'22023', 'setting "clarky.workspace_id" is too long',
	'a workspace id of 256 characters: log_activity fails with 22023');
SELECT is(outcome($$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_long"}')$$),
	'{"sqlstate": "22023", "field": null, "rows": 0}'::jsonb,
	'a workspace id of 256 characters: nothing is written');
SELECT throws_ok($$SELECT clarky.current_workspace()$$,
	'22023', 'setting "clarky.workspace_id" is too long',
	'a workspace id of 256 characters: current_workspace() fails');
SELECT throws_ok($$SELECT clarky.contact_activities('c_long')$$,
	'22023', 'setting "clarky.workspace_id" is too long',
	'a workspace id of 256 characters: contact_activities fails');
SELECT throws_ok($$SELECT clarky.company_activities('co_long')$$,
	'22023', 'setting "clarky.workspace_id" is too long',
	'a workspace id of 256 characters: company_activities fails');
SELECT throws_ok($$INSERT INTO clarky.activities (contact_id, activity_type) VALUES ('c_raw2', 'note')$$,
	'22023', 'setting "clarky.workspace_id" is too long',
	'a workspace id of 256 characters: a raw INSERT fails (column default)');

------------------------------------------------------------------------------
-- clarky.allowed_workspaces, as a superuser sets it (the tenancy tests try it
-- as the login roles an administrator confines)
------------------------------------------------------------------------------
SELECT set_config('clarky.workspace_id', '', true) \g /dev/null
SELECT throws_ok($$SET LOCAL clarky.allowed_workspaces = 'ws_a,,ws_b'$$,
	'22023', 'workspace id 2 of the list is empty',
	'clarky.allowed_workspaces: an empty id in the list is refused, naming its position');
SELECT throws_ok(format('SET LOCAL clarky.allowed_workspaces = %L', 'ws_a, ' || repeat('w', 256)),
	'22023', 'workspace id 2 of the list is too long',
	'clarky.allowed_workspaces: an id over 255 characters is refused');
SET LOCAL clarky.allowed_workspaces = ' ws_a , ws_b ';
SELECT throws_ok($$SELECT clarky.current_workspace()$$, 'CK403', 'no workspace is bound',
	'confined to two with none bound: current_workspace() refuses with CK403');
SELECT is(clarky.use_workspace('ws_b', true), 'ws_b', 'use_workspace binds one of the two');
SELECT is(clarky.current_workspace(), 'ws_b', 'current_workspace() is it');
SET LOCAL clarky.workspace_id = 'ws_c';
SELECT throws_ok($$SELECT clarky.contact_activities('c_1')$$, 'CK403',
	'workspace "ws_c" is not one of this session''s workspaces',
	'a workspace outside the list, set by a superuser, is refused where it is resolved');
SELECT throws_ok($$SELECT clarky.use_workspace('ws_c')$$, 'CK403',
	'workspace "ws_c" is not one of this session''s workspaces',
	'use_workspace refuses it too, superuser or not');
SET LOCAL clarky.allowed_workspaces = 'ws_a';
SET LOCAL clarky.workspace_id = '';
SELECT is(clarky.current_workspace(), 'ws_a', 'confined to one: current_workspace() is it, nothing bound');
SET LOCAL clarky.allowed_workspaces = '';
SELECT is(clarky.current_workspace(), 'default', 'not confined, nothing bound: default');
SELECT throws_ok($$SELECT clarky.use_workspace(NULL)$$, '22004', 'parameter "workspace_id" must not be null',
	'use_workspace(NULL) is refused, naming the parameter');
SELECT throws_ok(format('SELECT clarky.use_workspace(%L)', repeat('w', 256)), '22001',
	'parameter "workspace_id" is too long', 'use_workspace of 256 characters is refused');

SELECT * FROM finish();
ROLLBACK;
