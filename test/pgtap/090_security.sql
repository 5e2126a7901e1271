-- 090_security.sql: roles, privileges, row-level security and API keys.
BEGIN;
SELECT plan(89);

------------------------------------------------------------------------------
-- Roles
------------------------------------------------------------------------------

SELECT is((SELECT array_agg(rolname::text ORDER BY rolname) FROM pg_roles
		   WHERE rolname IN ('clarky_anon', 'clarky_reader', 'clarky_writer', 'clarky_analyst', 'clarky_admin')
			 AND NOT rolcanlogin AND NOT rolsuper AND NOT rolbypassrls),
	ARRAY['clarky_admin', 'clarky_analyst', 'clarky_anon', 'clarky_reader', 'clarky_writer'],
	'the five roles exist, cannot log in, and bypass nothing');

------------------------------------------------------------------------------
-- EXECUTE: an allowlist for every function and role
------------------------------------------------------------------------------

CREATE ROLE clarky_test_nobody NOLOGIN;	-- stands for PUBLIC

CREATE TEMP TABLE allowed (fn regprocedure, roles text[]);
INSERT INTO allowed VALUES
	('clarky.new_activity_id()', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.current_workspace()', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.contact_activities(text,clarky.activity_type,integer,integer)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.company_activities(text,clarky.activity_type,integer,integer,text)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.activity_type_eq(clarky.activity_type,clarky.activity_type)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.activity_type_ne(clarky.activity_type,clarky.activity_type)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.activity_type_lt(clarky.activity_type,clarky.activity_type)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.activity_type_le(clarky.activity_type,clarky.activity_type)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.activity_type_gt(clarky.activity_type,clarky.activity_type)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.activity_type_ge(clarky.activity_type,clarky.activity_type)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.activity_type_cmp(clarky.activity_type,clarky.activity_type)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.log_activity(jsonb)', '{clarky_writer}'),
	('clarky.get_activity(text)', '{clarky_reader,clarky_writer,clarky_analyst}'),
	('clarky.update_activity(text,jsonb,integer)', '{clarky_writer}'),
	('clarky.complete_activity(text,timestamp with time zone)', '{clarky_writer}'),
	('clarky.reopen_activity(text)', '{clarky_writer}'),
	('clarky.delete_activity(text,integer)', '{clarky_writer}'),
	('clarky.restore_activity(text)', '{clarky_writer}'),
	('clarky.purge_deleted_activities(interval)', '{clarky_admin}'),
	('clarky.activity_counts_trigger()', '{}'),
	('clarky.rebuild_activity_counts()', '{}'),
	('clarky.rebuild_activity_links()', '{}'),
	('clarky.add_to_month_count(bigint[],timestamp with time zone,bigint)', '{}'),
	('clarky.month_counts(timestamp with time zone,bigint)', '{}'),
	('clarky.add_contact_to_company(text,text,boolean)', '{clarky_writer}'),
	('clarky.remove_contact_from_company(text,text)', '{clarky_writer}'),
	('clarky.company_contacts(text,integer,integer)', '{clarky_reader,clarky_writer,clarky_analyst}'),
	('clarky.generate_api_key()', '{clarky_admin}'),
	('clarky.create_api_key(text,text[],text)', '{clarky_admin}'),
	('clarky.list_api_keys()', '{clarky_admin}'),
	('clarky.revoke_api_key(text)', '{clarky_admin}'),
	('clarky.resolve_api_key(text)', '{clarky_anon}'),
	('clarky.use_api_key(text)', '{clarky_anon}'),
	('clarky.use_workspace(text,boolean)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky.may_use_workspace(text)', '{nobody,clarky_anon,clarky_reader,clarky_writer,clarky_analyst,clarky_admin}'),
	('clarky_api.contact_activities(text,text,text,text)', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.company_activities(text,text,text,text,text)', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.log_activity(jsonb)', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.pre_request()', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.get_activity()', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.update_activity(jsonb)', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.delete_activity()', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.restore_activity()', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.add_contact_to_company(jsonb)', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.remove_contact_from_company()', '{clarky_anon,clarky_reader,clarky_writer}'),
	('clarky_api.company_contacts(text,text,text)', '{clarky_anon,clarky_reader,clarky_writer}');

SELECT set_eq(
	$$SELECT p.oid::regprocedure FROM pg_proc p
	  WHERE p.pronamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace)$$,
	$$SELECT fn FROM allowed$$,
	'the allowlist covers every function of the extension');

SELECT is(
	ARRAY(SELECT r FROM unnest(ARRAY['nobody', 'clarky_anon', 'clarky_reader', 'clarky_writer',
									 'clarky_analyst', 'clarky_admin']) r
		  WHERE has_function_privilege(CASE r WHEN 'nobody' THEN 'clarky_test_nobody' ELSE r END, fn, 'EXECUTE')),
	roles, 'EXECUTE on ' || fn::text || ': exactly ' || array_to_string(roles, ', '))
FROM allowed ORDER BY fn::text;

SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
	 WHERE p.pronamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace) AND p.prosecdef),
	ARRAY['clarky.purge_deleted_activities(interval)', 'clarky.resolve_api_key(text)'],
	'the only SECURITY DEFINER functions are clarky.resolve_api_key and clarky.purge_deleted_activities (for administrators only)');
SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FROM pg_proc p
	 JOIN pg_language l ON l.oid = p.prolang
	 WHERE p.pronamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace)
	   AND l.lanname NOT IN ('c', 'internal')
	   AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
	NULL,
	'every SQL and PL/pgSQL function pins search_path = pg_catalog, pg_temp (C functions qualify every name; internal ones have none)');

SELECT is(
	(SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
	 WHERE p.pronamespace = 'clarky'::regnamespace AND p.proleakproof),
	ARRAY['activity_type_cmp', 'activity_type_eq', 'activity_type_ge', 'activity_type_gt',
		  'activity_type_le', 'activity_type_lt', 'activity_type_ne'],
	'the only LEAKPROOF functions are the built-in enum comparisons, re-declared for the activity type');

------------------------------------------------------------------------------
-- Table privileges
------------------------------------------------------------------------------

SELECT is(
	ARRAY[has_table_privilege('clarky_anon', 'clarky.activities', 'SELECT'),
		  has_table_privilege('clarky_reader', 'clarky.activities', 'SELECT'),
		  has_table_privilege('clarky_reader', 'clarky.activities', 'INSERT'),
		  has_table_privilege('clarky_writer', 'clarky.activities', 'INSERT'),
		  has_any_column_privilege('clarky_writer', 'clarky.activities', 'UPDATE'),
		  has_table_privilege('clarky_writer', 'clarky.activities', 'DELETE'),
		  has_table_privilege('clarky_analyst', 'clarky.activities', 'SELECT'),
		  has_table_privilege('clarky_analyst', 'clarky.activities', 'INSERT'),
		  has_table_privilege('clarky_test_nobody', 'clarky.activities', 'SELECT'),
		  has_table_privilege('clarky_reader', 'clarky.activities', 'UPDATE'),
		  has_table_privilege('clarky_analyst', 'clarky.activities', 'UPDATE'),
		  has_table_privilege('clarky_admin', 'clarky.activities', 'SELECT'),
		  has_table_privilege('clarky_admin', 'clarky.activities', 'DELETE'),
		  has_table_privilege('clarky_admin', 'clarky.activities', 'UPDATE'),
		  has_table_privilege('clarky_admin', 'clarky.activities', 'INSERT')],
	ARRAY[false, true, false, true, true, false, true, false, false,
		  false, false, false, false, false, false],
	'activities: readers and analysts SELECT, writers also INSERT and UPDATE, nobody else anything (administrators purge through the function)');
SELECT is(
	ARRAY(SELECT a.attname::text FROM pg_attribute AS a
		  WHERE a.attrelid = 'clarky.activities'::regclass AND a.attnum > 0 AND NOT a.attisdropped
			AND NOT has_column_privilege('clarky_writer', 'clarky.activities', a.attname, 'UPDATE')
		  ORDER BY a.attnum),
	ARRAY['workspace_id', 'id', 'created_at'],
	'writers may UPDATE every column but the key and created_at');
SELECT is(
	ARRAY[has_table_privilege('clarky_anon', 'clarky.api_keys', 'SELECT'),
		  has_table_privilege('clarky_reader', 'clarky.api_keys', 'SELECT'),
		  has_table_privilege('clarky_writer', 'clarky.api_keys', 'SELECT'),
		  has_table_privilege('clarky_analyst', 'clarky.api_keys', 'SELECT'),
		  has_table_privilege('clarky_admin', 'clarky.api_keys', 'SELECT'),
		  has_table_privilege('clarky_admin', 'clarky.api_keys', 'DELETE')],
	ARRAY[false, false, false, false, true, false],
	'api_keys: only admins read them (and revoke rather than delete)');

SELECT is(
	ARRAY[has_table_privilege('clarky_reader', 'clarky.activity_counts', 'SELECT'),
		  has_table_privilege('clarky_writer', 'clarky.activity_counts', 'INSERT'),
		  has_table_privilege('clarky_writer', 'clarky.activity_counts', 'UPDATE'),
		  has_table_privilege('clarky_admin', 'clarky.activity_counts', 'UPDATE'),
		  has_table_privilege('clarky_test_nobody', 'clarky.activity_counts', 'SELECT')],
	ARRAY[true, false, false, false, false],
	'activity_counts: read with the activities, written only by the trigger (as the owner)');

------------------------------------------------------------------------------
-- Row-level security
------------------------------------------------------------------------------

SELECT ok((SELECT relrowsecurity FROM pg_class WHERE oid = 'clarky.activities'::regclass),
	'row-level security is enabled on clarky.activities');

INSERT INTO clarky.activities (workspace_id, contact_id, activity_type, title) VALUES
	('ws_a', 'c1', 'note', 'A1'), ('ws_a', 'c1', 'call', 'A2'), ('ws_b', 'c1', 'note', 'B1');

SELECT set_config('clarky.workspace_id', 'ws_a', true);
SET LOCAL ROLE clarky_reader;
CREATE TEMP TABLE seen AS SELECT title FROM clarky.activities ORDER BY title;
RESET ROLE;
SELECT is((SELECT array_agg(title) FROM seen), ARRAY['A1', 'A2'],
	'a reader bound to ws_a sees only ws_a''s rows, even with plain SQL');
DROP TABLE seen;

SET LOCAL ROLE clarky_writer;
SELECT throws_ok(
	$$INSERT INTO clarky.activities (workspace_id, contact_id, activity_type) VALUES ('ws_b', 'c1', 'note')$$,
	'42501', NULL, 'a writer bound to ws_a cannot insert into ws_b');
SELECT lives_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type, title) VALUES ('c1', 'todo', 'A3')$$,
	'a writer''s plain INSERT lands in its bound workspace by default');
SELECT lives_ok($$UPDATE clarky.activities SET description = 'touched'$$,
	'a writer may update (update_activity runs with its privileges)');
SELECT throws_ok($$UPDATE clarky.activities SET workspace_id = 'ws_b' WHERE title = 'A1'$$, '42501', NULL,
	'a writer cannot move an activity to another workspace');
SELECT throws_ok($$DELETE FROM clarky.activities$$, '42501', NULL, 'a writer cannot delete');
RESET ROLE;
SELECT is((SELECT workspace_id FROM clarky.activities WHERE title = 'A3'), 'ws_a',
	'the default workspace_id is the bound workspace');
SELECT is((SELECT array_agg(title ORDER BY title) FROM clarky.activities WHERE description = 'touched'),
	ARRAY['A1', 'A2', 'A3'], 'a writer''s plain UPDATE reaches only its bound workspace''s rows');

SELECT set_config('clarky.workspace_id', 'ws_a', true);
SET LOCAL ROLE clarky_writer;
SELECT throws_ok($$UPDATE clarky.activity_counts SET notes = notes + 1000$$, '42501', NULL,
	'a writer cannot tamper with the counts');
SELECT is(clarky.contact_activities('c1') -> 'pagination' ->> 'total', '3',
	'the writer''s inserts were counted, in its workspace only');
RESET ROLE;
SET LOCAL ROLE clarky_reader;
CREATE TEMP TABLE seen AS
	SELECT sum(notes + calls + meetings + video_calls + tasks + todos + reminders)::int AS n
	FROM clarky.activity_counts;
RESET ROLE;
SELECT is((SELECT n FROM seen), 3, 'a reader sees only its workspace''s counts');
DROP TABLE seen;

SET LOCAL ROLE clarky_analyst;
CREATE TEMP TABLE seen AS SELECT title FROM clarky.activities WHERE title IN ('A1', 'A2', 'A3', 'B1') ORDER BY title;
RESET ROLE;
SELECT is((SELECT array_agg(title) FROM seen), ARRAY['A1', 'A2', 'A3', 'B1'],
	'an analyst reads every workspace');

SET LOCAL ROLE clarky_anon;
SELECT throws_ok($$SELECT count(*) FROM clarky.activities$$, '42501', NULL,
	'the anonymous role cannot read activities at all');
SELECT throws_ok($$SELECT count(*) FROM clarky.api_keys$$, '42501', NULL,
	'nor API keys');
SELECT throws_ok($$SELECT clarky.create_api_key('ws_a', ARRAY['read'])$$, '42501', NULL,
	'nor create keys');
RESET ROLE;

------------------------------------------------------------------------------
-- API keys
------------------------------------------------------------------------------

CREATE TEMP TABLE k AS SELECT clarky.create_api_key('ws_k', ARRAY['write'], 'test key') AS key;

SELECT matches((SELECT key FROM k), '^ck_live_[0-9a-z]{30}$', 'a key is ck_live_ and 30 random characters');
SELECT is((SELECT length(key) FROM k), 38, 'a key is 38 characters long');
SELECT is((SELECT scopes FROM clarky.api_keys WHERE workspace_id = 'ws_k'), ARRAY['read', 'write'],
	'the write scope includes read');
SELECT is((SELECT key_hash FROM clarky.api_keys WHERE workspace_id = 'ws_k'),
	(SELECT sha256(convert_to(key, 'UTF8')) FROM k), 'only the key''s SHA-256 is stored');
SELECT is((SELECT count(*)::int FROM clarky.api_keys a, k
		   WHERE row_to_json(a)::text LIKE '%' || substr(k.key, 13) || '%'), 0,
	'no column holds the key''s secret part');
SELECT is((SELECT key_prefix FROM clarky.list_api_keys() WHERE workspace_id = 'ws_k'),
	(SELECT left(key, 12) FROM k), 'list_api_keys shows the first 12 characters only');
SELECT is((SELECT workspace_id || '/' || scope FROM clarky.resolve_api_key((SELECT key FROM k))),
	'ws_k/write', 'resolve_api_key finds the key''s workspace and scope');
SELECT is((SELECT count(*)::int FROM clarky.resolve_api_key('ck_live_' || repeat('0', 30))), 0,
	'and nothing for an unknown key');
SELECT ok(clarky.revoke_api_key((SELECT id FROM clarky.api_keys WHERE workspace_id = 'ws_k')),
	'a key is revoked by its id');
SELECT is((SELECT count(*)::int FROM clarky.resolve_api_key((SELECT key FROM k))), 0,
	'a revoked key resolves to nothing');
SELECT ok(NOT clarky.revoke_api_key((SELECT key FROM k)), 'revoking it again says false');
SELECT isnt((SELECT revoked_at FROM clarky.list_api_keys() WHERE workspace_id = 'ws_k'), NULL,
	'list_api_keys shows when it was revoked');

SELECT throws_ok($$SELECT clarky.create_api_key('ws_k', ARRAY['admin'])$$, '22023',
	'parameter "scopes" must be {read} or {read,write}', 'an unknown scope is refused');
SELECT throws_ok($$SELECT clarky.create_api_key('ws_k', ARRAY[]::text[])$$, '22023',
	'parameter "scopes" must be {read} or {read,write}', 'no scope is refused');
SELECT throws_ok($$SELECT clarky.create_api_key('', ARRAY['read'])$$, '22023',
	'parameter "workspace_id" must not be empty', 'an empty workspace is refused');
SELECT throws_ok($$SELECT clarky.create_api_key(repeat('w', 256), ARRAY['read'])$$, '22001',
	'parameter "workspace_id" is too long', 'a workspace id over 255 characters is refused');

SET LOCAL ROLE clarky_admin;
SELECT lives_ok($$SELECT clarky.create_api_key('ws_admin', ARRAY['read'])$$,
	'an administrator creates keys');
SELECT lives_ok($$SELECT clarky.revoke_api_key(id) FROM clarky.list_api_keys() WHERE workspace_id = 'ws_admin'$$,
	'and lists and revokes them');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
