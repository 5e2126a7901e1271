-- 160_privileges_and_purge.sql: who may call the functions of an
-- activity's life, row-level security around them, and
-- purge_deleted_activities, for administrators.
BEGIN;
SELECT plan(84);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/acts.psql
\ir include/activity_life.psql

CREATE FUNCTION totals_exact(ws text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	result text;
BEGIN
	PERFORM set_config('clarky.workspace_id', ws, true);
	SELECT coalesce(string_agg(format('%s %s %s: %s vs %s', kind, owner, coalesce(type::text, 'all'), got, want), '; '), 'exact')
	  INTO result
	  FROM (
		SELECT kind, owner, type,
			   (CASE kind WHEN 'contact' THEN clarky.contact_activities(owner, type, 1000, 1)
						  ELSE clarky.company_activities(owner, type, 1000, 1) END
				-> 'pagination' ->> 'total')::bigint AS got,
			   (SELECT count(*) FROM clarky.activities a
				 WHERE a.workspace_id = ws AND a.deleted_at IS NULL
				   AND CASE kind WHEN 'contact' THEN a.contact_id ELSE a.company_id END = owner
				   AND (type IS NULL OR a.activity_type = type)) AS want
		  FROM (VALUES ('contact', 'c_p'), ('company', 'co_p')) AS o(kind, owner),
			   LATERAL (SELECT NULL::clarky.activity_type AS type
						UNION ALL SELECT unnest(enum_range(NULL::clarky.activity_type))) AS t) AS x
	 WHERE got IS DISTINCT FROM want;
	RETURN result;
END
$$;

GRANT SELECT ON acts TO PUBLIC;
CREATE FUNCTION log_as(name text, payload jsonb) RETURNS void LANGUAGE sql AS $$
	INSERT INTO acts SELECT name, clarky.log_activity(payload) -> 'data' ->> 'id'
$$;

-- Each function of one activity, called on id
CREATE FUNCTION calls_on(id text) RETURNS TABLE (fn text, stmt text) LANGUAGE sql IMMUTABLE AS $$
	SELECT fn, format(stmt, id) FROM (VALUES
		('get_activity', 'SELECT clarky.get_activity(%L)'),
		('update_activity', 'SELECT clarky.update_activity(%L, ''{"title": "changed"}'')'),
		('complete_activity', 'SELECT clarky.complete_activity(%L)'),
		('reopen_activity', 'SELECT clarky.reopen_activity(%L)'),
		('delete_activity', 'SELECT clarky.delete_activity(%L)'),
		('restore_activity', 'SELECT clarky.restore_activity(%L)')) AS f(fn, stmt)
$$;

------------------------------------------------------------------------------
-- Data: a live and a deleted activity in ws_a, one of each in ws_b
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', 'ws_a', true) \g /dev/null
SELECT log_as('a live', '{"activity_type": "task", "contact_id": "c_p", "company_id": "co_p", "completed_at": "2026-01-01"}');
SELECT log_as('a deleted', '{"activity_type": "note", "contact_id": "c_p"}');
SELECT clarky.delete_activity(id_of('a deleted')) \g /dev/null
SELECT set_config('clarky.workspace_id', 'ws_b', true) \g /dev/null
SELECT log_as('b live', '{"activity_type": "task", "contact_id": "c_p", "completed_at": "2026-01-01"}');
SELECT log_as('b deleted', '{"activity_type": "call", "contact_id": "c_p"}');
SELECT clarky.delete_activity(id_of('b deleted')) \g /dev/null
SELECT set_config('clarky.workspace_id', 'ws_a', true) \g /dev/null

------------------------------------------------------------------------------
-- Who may call what (EXECUTE); a refused call changes nothing
------------------------------------------------------------------------------

SELECT is(outcome(c.stmt, r.role),
	jsonb_build_object('sqlstate', '42501', 'field', NULL, 'changed', false),
	r.role || ' may not call ' || c.fn || ' (42501), and changed nothing')
FROM (VALUES ('clarky_reader'), ('clarky_analyst'), ('clarky_anon'), ('clarky_admin')) AS r(role),
	 calls_on((SELECT id FROM acts WHERE name = 'a live')) AS c
WHERE NOT (c.fn = 'get_activity' AND r.role IN ('clarky_reader', 'clarky_analyst'))
ORDER BY r.role, c.fn;
SELECT is(outcome(format('SELECT clarky.restore_activity(%L)', id_of('a deleted')), r.role),
	jsonb_build_object('sqlstate', '42501', 'field', NULL, 'changed', false),
	r.role || ' may not restore a deleted activity (42501)')
FROM (VALUES ('clarky_reader'), ('clarky_analyst'), ('clarky_anon'), ('clarky_admin')) AS r(role);

SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('a live')), r.role),
	'{"sqlstate": "00000", "field": null, "changed": false}'::jsonb,
	r.role || ' may read an activity of its workspace')
FROM (VALUES ('clarky_reader'), ('clarky_writer'), ('clarky_analyst')) AS r(role);

-- a writer, in its workspace: all of it
SELECT is(outcome(c.stmt, 'clarky_writer') - 'changed',
	'{"sqlstate": "00000", "field": null}'::jsonb, 'a writer may call ' || c.fn)
FROM calls_on((SELECT id FROM acts WHERE name = 'a live')) AS c
WHERE c.fn NOT IN ('restore_activity', 'delete_activity')
ORDER BY c.fn;
SET LOCAL ROLE clarky_writer;
SELECT is((clarky.update_activity(id_of('a live'), '{"owner_id": "u_w"}') #>> '{data,owner_id}'), 'u_w',
	'a writer''s update is made');
SELECT is((clarky.delete_activity(id_of('a live')) -> 'data' ->> 'deleted_at') IS NOT NULL, true,
	'a writer deletes');
SELECT is((clarky.restore_activity(id_of('a live')) -> 'data' ->> 'id'), id_of('a live'),
	'and restores');
SELECT throws_ok($$SELECT clarky.purge_deleted_activities('0')$$, '42501', NULL,
	'but may not purge');
RESET ROLE;
SELECT is((SELECT ROW(owner_id, workspace_id, deleted_at)::text FROM clarky.activities WHERE id = id_of('a live')),
	ROW('u_w', 'ws_a', NULL::timestamptz)::text,
	'the writer''s changes are stored, in its workspace');

------------------------------------------------------------------------------
-- Row-level security: another workspace's activities stay invisible
------------------------------------------------------------------------------

-- bound to ws_b, a writer (and the owner, through the C code's own filter)
-- finds none of ws_a's activities, and changes nothing
SELECT set_config('clarky.workspace_id', 'ws_b', true) \g /dev/null
SELECT is(outcome(c.stmt, r.role),
	jsonb_build_object('sqlstate', 'P0002', 'field', 'id', 'changed', false),
	coalesce(r.role, 'the owner') || ' bound to ws_b: ' || c.fn || ' of ws_a''s live activity is not found')
FROM (VALUES ('clarky_writer'), (NULL)) AS r(role),
	 calls_on((SELECT id FROM acts WHERE name = 'a live')) AS c
WHERE c.fn <> 'restore_activity';
SELECT is(outcome(format('SELECT clarky.restore_activity(%L)', id_of('a deleted')), r.role),
	jsonb_build_object('sqlstate', 'P0002', 'field', 'id', 'changed', false),
	coalesce(r.role, 'the owner') || ' bound to ws_b: restoring ws_a''s deleted activity is not found')
FROM (VALUES ('clarky_writer'), (NULL)) AS r(role);
SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('a live')), 'clarky_reader'),
	jsonb_build_object('sqlstate', 'P0002', 'field', 'id', 'changed', false),
	'a reader bound to ws_b: get_activity of ws_a''s activity is not found');
SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('a live')), 'clarky_analyst'),
	jsonb_build_object('sqlstate', 'P0002', 'field', 'id', 'changed', false),
	'an analyst bound to ws_b: get_activity of ws_a''s activity is not found (it acts in one workspace)');
SELECT is(outcome(format('SELECT clarky.get_activity(%L)', id_of('b live')), 'clarky_writer'),
	'{"sqlstate": "00000", "field": null, "changed": false}'::jsonb,
	'(a writer bound to ws_b reads ws_b''s own)');
SET LOCAL ROLE clarky_writer;
CREATE TEMP TABLE seen AS
	SELECT count(*) FILTER (WHERE workspace_id = 'ws_a') AS a, count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted
	  FROM clarky.activities;
SELECT throws_ok(format($$UPDATE clarky.activities SET workspace_id = 'ws_a' WHERE id = %L$$, id_of('b live')),
	'42501', NULL, 'a writer cannot move its activity into another workspace with plain SQL');
RESET ROLE;
SELECT is((SELECT a FROM seen), 0::bigint, 'a writer bound to ws_b sees no ws_a row with plain SQL');
SELECT is((SELECT deleted FROM seen), 1::bigint, 'and its own workspace''s deleted activity');
DROP TABLE seen;
SELECT set_config('clarky.workspace_id', 'ws_a', true) \g /dev/null

------------------------------------------------------------------------------
-- Administrators purge through the function, and see no activity
------------------------------------------------------------------------------

SELECT is(outcome(stmt, 'clarky_admin'),
	'{"sqlstate": "42501", "field": null, "changed": false}'::jsonb,
	'an administrator may not ' || what || ' with plain SQL (42501), not even in its bound workspace')
FROM (VALUES
	('read live activities', $$SELECT count(*) FROM clarky.activities WHERE deleted_at IS NULL$$),
	('read deleted activities', $$SELECT count(*) FROM clarky.activities WHERE deleted_at IS NOT NULL$$),
	('delete live activities', $$DELETE FROM clarky.activities WHERE deleted_at IS NULL$$),
	('delete deleted activities', $$DELETE FROM clarky.activities WHERE deleted_at IS NOT NULL$$),
	('update activities', $$UPDATE clarky.activities SET title = 'x'$$)
) AS t(what, stmt);

------------------------------------------------------------------------------
-- purge_deleted_activities
------------------------------------------------------------------------------

-- deleted long ago: 10 days (ws_a, ws_b), exactly 3 days (ws_b), 2 days
-- (ws_a); and a ws_a activity deleted now
SELECT set_config('clarky.workspace_id', 'ws_a', true) \g /dev/null
SELECT log_as('a old', '{"activity_type": "call", "contact_id": "c_p", "company_id": "co_p"}');
SELECT log_as('a 2 days', '{"activity_type": "note", "company_id": "co_p"}');
SELECT log_as('a now', '{"activity_type": "note", "contact_id": "c_p"}');
SELECT clarky.delete_activity(id) FROM acts WHERE name IN ('a old', 'a 2 days', 'a now') \g /dev/null
SELECT set_config('clarky.workspace_id', 'ws_b', true) \g /dev/null
SELECT log_as('b old', '{"activity_type": "call", "contact_id": "c_p"}');
SELECT log_as('b 3 days', '{"activity_type": "todo", "contact_id": "c_p", "company_id": "co_p"}');
SELECT clarky.delete_activity(id) FROM acts WHERE name IN ('b old', 'b 3 days') \g /dev/null
UPDATE clarky.activities a SET deleted_at = now() - d
  FROM (VALUES ('a old', interval '10 days'), ('b old', interval '10 days'), ('b 3 days', interval '3 days'),
			   ('a 2 days', interval '2 days'), ('a deleted', interval '1 hour'), ('b deleted', interval '1 hour')) AS v(name, d)
 WHERE a.id = id_of(v.name);
SELECT set_config('clarky.workspace_id', 'ws_elsewhere', true) \g /dev/null

CREATE TEMP TABLE live_before AS
	SELECT workspace_id, id FROM clarky.activities WHERE deleted_at IS NULL;

SELECT is(outcome($$SELECT clarky.purge_deleted_activities('0')$$, r.role),
	jsonb_build_object('sqlstate', '42501', 'field', NULL, 'changed', false),
	r.role || ' may not purge (42501), and nothing is removed')
FROM (VALUES ('clarky_reader'), ('clarky_writer'), ('clarky_analyst'), ('clarky_anon')) AS r(role);

SET LOCAL ROLE clarky_admin;
SELECT throws_ok($$SELECT clarky.purge_deleted_activities(NULL)$$, '22004',
	'parameter "older_than" must not be null', 'purge: a NULL older_than');
SELECT throws_ok($$SELECT clarky.purge_deleted_activities('-1 day')$$, '22023',
	'parameter "older_than" must not be negative', 'purge: a negative older_than');
SELECT throws_ok($$SELECT clarky.purge_deleted_activities('1 day ago')$$, '22023',
	'parameter "older_than" must not be negative', 'purge: an interval in the past is negative too');
RESET ROLE;
SELECT is(outcome($$SELECT clarky.purge_deleted_activities(NULL)$$, 'clarky_admin'),
	'{"sqlstate": "22004", "field": "older_than", "changed": false}'::jsonb,
	'purge: a NULL older_than names older_than, and removes nothing');
SELECT is(outcome($$SELECT clarky.purge_deleted_activities('-1 microsecond')$$, 'clarky_admin'),
	'{"sqlstate": "22023", "field": "older_than", "changed": false}'::jsonb,
	'purge: a negative older_than names older_than, and removes nothing');

SET LOCAL ROLE clarky_admin;
SELECT is(clarky.purge_deleted_activities('30 days'), 0::bigint,
	'purge 30 days: nothing was deleted that long ago');
SELECT is(clarky.purge_deleted_activities(older_than => '5 days'), 2::bigint,
	'purge 5 days: the two deleted 10 days ago, of two workspaces, in neither of which the administrator is bound');
SELECT is(clarky.purge_deleted_activities('3 days'), 0::bigint,
	'purge 3 days: an activity deleted exactly 3 days ago is not older, and stays');
SELECT is(clarky.purge_deleted_activities('1 day'), 2::bigint,
	'purge 1 day: the ones deleted 3 and 2 days ago');
SELECT is(clarky.purge_deleted_activities('0'), 2::bigint,
	'purge 0: the ones deleted an hour ago, not the one deleted now');
SELECT is(clarky.purge_deleted_activities('0'), 0::bigint, 'purge 0 again: nothing left to purge');
RESET ROLE;

SELECT is(
	(SELECT array_agg(name ORDER BY name) FROM acts
	  WHERE NOT EXISTS (SELECT FROM clarky.activities a WHERE a.id = acts.id)),
	ARRAY['a 2 days', 'a deleted', 'a old', 'b 3 days', 'b deleted', 'b old'],
	'the purged activities are gone from the table');
SELECT is((SELECT deleted_at IS NOT NULL FROM clarky.activities WHERE id = id_of('a now')), true,
	'the one deleted now is still there, deleted');
SELECT set_eq($$SELECT workspace_id, id FROM clarky.activities WHERE deleted_at IS NULL$$,
	$$SELECT workspace_id, id FROM live_before$$, 'every live activity is still there');
SELECT is(totals_exact('ws_a'), 'exact', 'ws_a''s totals are exact after the purge');
SELECT is(totals_exact('ws_b'), 'exact', 'ws_b''s totals are exact after the purge');
SELECT set_config('clarky.workspace_id', 'ws_a', true) \g /dev/null
SELECT is(clarky.contact_activities('c_p') -> 'pagination' ->> 'total', '1',
	'ws_a''s contact: its one live activity');
SELECT is(outcome(format('SELECT clarky.restore_activity(%L)', id_of('a old'))),
	'{"sqlstate": "P0002", "field": "id", "changed": false}'::jsonb,
	'a purged activity cannot be restored');
SELECT is(clarky.purge_deleted_activities('0'), 0::bigint,
	'the owner may purge too');

SELECT * FROM finish();
ROLLBACK;
