-- 150_complete_delete_restore.sql: complete_activity, reopen_activity, and
-- the soft delete: delete_activity takes an activity off every timeline and
-- total at once, restore_activity brings it back where it was.
BEGIN;
SELECT plan(101);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';
SELECT set_config('clarky.workspace_id', 'ws_life', true) \g /dev/null

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/render.psql
\ir include/error_detail.psql
\ir include/timeline.psql
\ir include/acts.psql
\ir include/activity_life.psql

-- The not-found error of each function of one activity, for id
CREATE FUNCTION each_not_found(id text, what text) RETURNS SETOF text LANGUAGE sql AS $$
	SELECT refuses(format(stmt, id), 'P0002', format('activity "%s" not found', id), 'id', what || ': ' || fn)
	  FROM (VALUES ('get_activity', 'SELECT clarky.get_activity(%L)'),
				   ('update_activity', 'SELECT clarky.update_activity(%L, ''{"title": "x"}'')'),
				   ('complete_activity', 'SELECT clarky.complete_activity(%L)'),
				   ('reopen_activity', 'SELECT clarky.reopen_activity(%L)'),
				   ('delete_activity', 'SELECT clarky.delete_activity(%L)')) AS f(fn, stmt)
$$;

CREATE FUNCTION diff(before jsonb, after jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_object_agg(k,
			CASE WHEN NOT after ? k THEN '"(missing)"'::jsonb
				 WHEN k IN ('updated_at', 'completed_at', 'deleted_at') AND after ->> k = now_rendered() THEN '"now"'::jsonb
				 ELSE after -> k END), '{}')
	  FROM (SELECT jsonb_object_keys(before || after) AS k) AS ks
	 WHERE before -> k IS DISTINCT FROM after -> k
$$;

CREATE TEMP TABLE answers (name text PRIMARY KEY, answer json);
CREATE FUNCTION answer(name text) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT (answer -> 'data')::jsonb FROM answers WHERE answers.name = answer.name
$$;

-- Every timeline of the test data: each page of 3 of the contact's and the
-- company's, unfiltered and of calls, with its pagination
CREATE FUNCTION timelines() RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_agg(jsonb_build_object('kind', kind, 'type', type, 'page', p, 'ids', ids_of(r),
										'pagination', (r -> 'pagination')::jsonb) ORDER BY kind, type, p)
	  FROM (VALUES ('contact'), ('company')) AS k(kind),
		   (VALUES (NULL::clarky.activity_type), ('call')) AS t(type),
		   generate_series(1, 4) AS p,
		   LATERAL (SELECT CASE kind WHEN 'contact' THEN clarky.contact_activities('c_life', type, p, 3)
									 ELSE clarky.company_activities('co_life', type, p, 3) END AS r) AS x
$$;

-- What timelines() would be without the activity id
CREATE FUNCTION timelines_without(id text) RETURNS jsonb LANGUAGE sql STABLE AS $$
	WITH live AS (
		SELECT a.id, a.occurred_at, a.contact_id, a.company_id, a.activity_type FROM clarky.activities a
		 WHERE a.workspace_id = 'ws_life' AND a.deleted_at IS NULL AND a.id IS DISTINCT FROM timelines_without.id)
	SELECT jsonb_agg(jsonb_build_object('kind', kind, 'type', type, 'page', p,
			'ids', coalesce((SELECT jsonb_agg(id ORDER BY occurred_at DESC, id COLLATE "C" DESC)
							   FROM (SELECT id, occurred_at FROM live
									  WHERE CASE kind WHEN 'contact' THEN contact_id = 'c_life' ELSE company_id = 'co_life' END
										AND (type IS NULL OR activity_type = type)
									  ORDER BY occurred_at DESC, id COLLATE "C" DESC
									  LIMIT 3 OFFSET (p - 1) * 3) AS pg), '[]'),
			'pagination', jsonb_build_object('page', p, 'page_size', 3, 'total', n, 'total_pages', (n + 2) / 3))
		ORDER BY kind, type, p)
	  FROM (VALUES ('contact'), ('company')) AS k(kind),
		   (VALUES (NULL::clarky.activity_type), ('call')) AS t(type),
		   generate_series(1, 4) AS p,
		   LATERAL (SELECT count(*)::int AS n FROM live
					 WHERE CASE kind WHEN 'contact' THEN contact_id = 'c_life' ELSE company_id = 'co_life' END
					   AND (type IS NULL OR activity_type = type)) AS c
$$;

------------------------------------------------------------------------------
-- complete_activity and reopen_activity
------------------------------------------------------------------------------

INSERT INTO acts SELECT 'task', fresh('{"activity_type": "task", "contact_id": "c_task", "title": "Send proposal",
	"due_date": "2026-05-06T17:00:00Z", "metadata": {"k": 1}, "owner_id": "u_1"}');
INSERT INTO answers SELECT 'task before', clarky.get_activity(id_of('task'));
INSERT INTO answers SELECT 'completed', clarky.complete_activity(id_of('task'));

SELECT is(keys_of((SELECT answer FROM answers WHERE name = 'completed')), ARRAY['data'],
	'complete_activity answers {"data": activity}');
SELECT is(keys_of((SELECT answer -> 'data' FROM answers WHERE name = 'completed')),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'with every key in order, and no deleted_at');
SELECT is(diff(answer('task before'), answer('completed')),
	'{"completed_at": "now", "version": 2, "updated_at": "now"}'::jsonb,
	'complete_activity sets completed_at to now() by default, version 2, updated_at now(); nothing else');
SELECT is(clarky.get_activity(id_of('task'))::text, (SELECT answer::text FROM answers WHERE name = 'completed'),
	'get_activity returns the very text complete_activity answered');
SELECT is((SELECT ROW(completed_at, version, updated_at)::text FROM clarky.activities WHERE id = id_of('task')),
	ROW(now(), 2, now())::text, 'the stored row: completed now(), version 2');

INSERT INTO answers SELECT 'reopened', clarky.reopen_activity(id_of('task'));
SELECT is(diff(answer('completed'), answer('reopened')), '{"completed_at": null, "version": 3}'::jsonb,
	'reopen_activity clears completed_at, version 3');
SELECT is(diff(answer('task before'), answer('reopened')), '{"version": 3, "updated_at": "now"}'::jsonb,
	'reopened, the activity is as it was before, but for version and updated_at');
SELECT is(keys_of((SELECT answer -> 'data' FROM answers WHERE name = 'reopened')),
	keys_of((SELECT answer -> 'data' FROM answers WHERE name = 'completed')),
	'reopen_activity answers the same keys');
SELECT is(clarky.get_activity(id_of('task'))::text, (SELECT answer::text FROM answers WHERE name = 'reopened'),
	'get_activity returns the very text reopen_activity answered');

INSERT INTO answers SELECT 'completed at', clarky.complete_activity(id_of('task'), '2026-05-06 19:04:05.678+02');
SELECT is(diff(answer('reopened'), answer('completed at')),
	'{"completed_at": "2026-05-06T17:04:05.678Z", "version": 4}'::jsonb,
	'complete_activity(id, completed_at) sets that instant, version 4');
INSERT INTO answers SELECT 'completed again', clarky.complete_activity(id => id_of('task'), completed_at => '2026-05-07 00:00:00+00');
SELECT is(diff(answer('completed at'), answer('completed again')),
	'{"completed_at": "2026-05-07T00:00:00.000Z", "version": 5}'::jsonb,
	'completing a completed activity at another instant: that instant, version 5 (named parameters)');
SELECT ctid AS task_ctid FROM clarky.activities WHERE id = id_of('task') \gset
SELECT is(clarky.complete_activity(id_of('task'), '2026-05-07 00:00:00+00')::text,
	(SELECT answer::text FROM answers WHERE name = 'completed again'),
	'completing at the instant it was completed: the same answer, version 5 kept');
SELECT is((SELECT ctid::text FROM clarky.activities WHERE id = id_of('task')), :'task_ctid',
	'and nothing written (the row version is the same)');
INSERT INTO acts SELECT 'open task', fresh('{"activity_type": "task", "contact_id": "c_task", "title": "Call back"}');
INSERT INTO answers SELECT 'open task', clarky.get_activity(id_of('open task'));
SELECT ctid AS open_ctid FROM clarky.activities WHERE id = id_of('open task') \gset
SELECT is(clarky.reopen_activity(id_of('open task'))::text, (SELECT answer::text FROM answers WHERE name = 'open task'),
	'reopening an open activity: the same answer, version 1 kept');
SELECT is((SELECT ctid::text FROM clarky.activities WHERE id = id_of('open task')), :'open_ctid',
	'and nothing written (the row version is the same)');
SET LOCAL TimeZone = 'Asia/Kolkata';
SELECT is((clarky.complete_activity(id_of('task'), '2026-05-08 00:00:00') #>> '{data,completed_at}'),
	'2026-05-07T18:30:00.000Z', 'a completed_at without offset is read in the session''s TimeZone, as PostgreSQL reads it');
SET LOCAL TimeZone = 'UTC';
SELECT refuses(format('SELECT clarky.complete_activity(%L, NULL)', id_of('task')), '22004',
	'parameter "completed_at" must not be null', 'completed_at', 'complete_activity with a NULL completed_at');
SELECT refuses('SELECT clarky.complete_activity(NULL)', '22004', 'parameter "id" must not be null', 'id',
	'complete_activity with a NULL id');
SELECT refuses('SELECT clarky.reopen_activity(NULL)', '22004', 'parameter "id" must not be null', 'id',
	'reopen_activity with a NULL id');
SELECT refuses($$SELECT clarky.complete_activity('a_01ARYZ6S41TSV4RRFFQ69G5FAV')$$, 'P0002',
	'activity "a_01ARYZ6S41TSV4RRFFQ69G5FAV" not found', 'id', 'complete_activity of an unknown id');
SELECT refuses($$SELECT clarky.reopen_activity('a_01ARYZ6S41TSV4RRFFQ69G5FAV')$$, 'P0002',
	'activity "a_01ARYZ6S41TSV4RRFFQ69G5FAV" not found', 'id', 'reopen_activity of an unknown id');
SELECT set_config('clarky.workspace_id', 'ws_life_other', true) \g /dev/null
SELECT refuses(format('SELECT clarky.complete_activity(%L)', id_of('task')), 'P0002',
	format('activity "%s" not found', id_of('task')), 'id', 'complete_activity of another workspace''s activity');
SELECT refuses(format('SELECT clarky.reopen_activity(%L)', id_of('task')), 'P0002',
	format('activity "%s" not found', id_of('task')), 'id', 'reopen_activity of another workspace''s activity');
SELECT set_config('clarky.workspace_id', 'ws_life', true) \g /dev/null

------------------------------------------------------------------------------
-- Data for delete and restore: a contact and a company with ties
------------------------------------------------------------------------------

-- c_life: 9 activities, types alternating call and note, occurred_at in three
-- instants (ties broken by id); every third also on co_life
INSERT INTO acts
SELECT 'life ' || g, fresh(jsonb_build_object(
	'activity_type', CASE WHEN g % 2 = 0 THEN 'call' ELSE 'note' END, 'contact_id', 'c_life',
	'company_id', CASE WHEN g % 3 = 0 THEN 'co_life' END, 'title', 'life ' || g,
	'occurred_at', format('2026-01-0%sT00:00:00Z', 1 + g % 3)))
FROM generate_series(1, 9) AS g;
-- the company also has activities of its own
INSERT INTO acts
SELECT 'co ' || g, fresh(jsonb_build_object('activity_type', 'call', 'company_id', 'co_life', 'title', 'co ' || g,
	'occurred_at', format('2026-01-0%sT00:00:00Z', 1 + g % 3)))
FROM generate_series(1, 4) AS g;

CREATE TEMP TABLE before_delete AS SELECT timelines() AS t;
SELECT is((SELECT t FROM before_delete), timelines_without(NULL),
	'(test helpers: the timelines match their plain SQL model)');

------------------------------------------------------------------------------
-- delete_activity
------------------------------------------------------------------------------

-- life 6 is a call on both c_life and co_life
INSERT INTO answers SELECT 'life 6 before', clarky.get_activity(id_of('life 6'));
INSERT INTO answers SELECT 'deleted', clarky.delete_activity(id_of('life 6'));

SELECT is(keys_of((SELECT answer FROM answers WHERE name = 'deleted')), ARRAY['data'],
	'delete_activity answers {"data": activity}');
SELECT is(keys_of((SELECT answer -> 'data' FROM answers WHERE name = 'deleted')),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'deleted_at', 'contact_ids', 'company_ids'],
	'with every key in order, and deleted_at last');
SELECT is(diff(answer('life 6 before'), answer('deleted')) - 'deleted_at',
	'{"version": 2, "updated_at": "now"}'::jsonb,
	'a delete is a change: version 2, updated_at now(); every field kept');
SELECT matches(answer('deleted') ->> 'deleted_at', '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$',
	'deleted_at is a timestamp in the API''s format');
SELECT is((SELECT ROW(version, updated_at, deleted_at >= now() AND deleted_at <= clock_timestamp())::text
		   FROM clarky.activities WHERE id = id_of('life 6')),
	ROW(2, now(), true)::text,
	'the row stays in the table, deleted_at set to the moment of the delete');
SELECT is(answer('deleted') ->> 'deleted_at',
	(SELECT to_char(date_trunc('milliseconds', deleted_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
	   FROM clarky.activities WHERE id = id_of('life 6')),
	'the answer''s deleted_at is the stored one');

SELECT is(timelines(), timelines_without(id_of('life 6')),
	'the deleted activity left every page of both timelines, filtered or not, and every total');
SELECT isnt(timelines(), (SELECT t FROM before_delete), '(the timelines did change)');
SELECT is(totals('contact', 'c_life'), ARRAY[8, 8, 8], 'the contact''s total, read three ways: 8 of 9');
SELECT is(totals('contact', 'c_life', 'call'), ARRAY[3, 3, 3], 'the contact''s calls: 3 of 4');
SELECT is(totals('contact', 'c_life', 'note'), ARRAY[5, 5, 5], 'the contact''s notes: untouched, 5');
SELECT is(totals('company', 'co_life'), ARRAY[6, 6, 6], 'the company''s total: 6 of 7');
SELECT is(totals('company', 'co_life', 'call'), ARRAY[4, 4, 4], 'the company''s calls: 4 of 5');
SELECT is((clarky.contact_activities('c_life', NULL, 3, 3) -> 'pagination')::jsonb,
	'{"page": 3, "page_size": 3, "total": 8, "total_pages": 3}'::jsonb,
	'pagination: total_pages follows the total');

SELECT each_not_found(id_of('life 6'), 'a deleted activity');
SELECT is(
	(SELECT count(*)::int FROM clarky.activities WHERE id = id_of('life 6') AND title = 'life 6' AND version = 2),
	1, 'nothing touched the deleted activity');

-- restoring it
INSERT INTO answers SELECT 'restored', clarky.restore_activity(id_of('life 6'));
SELECT is(keys_of((SELECT answer -> 'data' FROM answers WHERE name = 'restored')),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'restore_activity answers the activity without deleted_at');
SELECT is(diff(answer('life 6 before'), answer('restored')), '{"version": 3, "updated_at": "now"}'::jsonb,
	'a restore is a change: version 3; every field as before the delete');
SELECT is((SELECT ROW(version, deleted_at)::text FROM clarky.activities WHERE id = id_of('life 6')),
	ROW(3, NULL::timestamptz)::text, 'the stored row is live again');
SELECT is(clarky.get_activity(id_of('life 6'))::text, (SELECT answer::text FROM answers WHERE name = 'restored'),
	'get_activity finds it again, as restore_activity answered it');
SELECT is(timelines(), (SELECT t FROM before_delete),
	'restored, it is back exactly where it was on every page of both timelines, and in every total');

SELECT refuses(format('SELECT clarky.restore_activity(%L)', id_of('life 6')), 'P0002',
	format('activity "%s" not found', id_of('life 6')), 'id', 'restoring a live activity');
SELECT refuses($$SELECT clarky.restore_activity('a_01ARYZ6S41TSV4RRFFQ69G5FAV')$$, 'P0002',
	'activity "a_01ARYZ6S41TSV4RRFFQ69G5FAV" not found', 'id', 'restoring an unknown id');
SELECT refuses('SELECT clarky.restore_activity(NULL)', '22004', 'parameter "id" must not be null', 'id',
	'restore_activity with a NULL id');
SELECT refuses('SELECT clarky.delete_activity(NULL)', '22004', 'parameter "id" must not be null', 'id',
	'delete_activity with a NULL id');
SELECT refuses($$SELECT clarky.delete_activity('a_01ARYZ6S41TSV4RRFFQ69G5FAV')$$, 'P0002',
	'activity "a_01ARYZ6S41TSV4RRFFQ69G5FAV" not found', 'id', 'deleting an unknown id');

------------------------------------------------------------------------------
-- delete_activity with expected_version; delete and restore again
------------------------------------------------------------------------------

SELECT refuses(format('SELECT clarky.delete_activity(%L, 2)', id_of('life 6')), 'CK409',
	format('activity "%s" is not at version 2', id_of('life 6')), NULL, 'deleting at a stale version');
SELECT is(error_detail(format('SELECT clarky.delete_activity(%L, 2)', id_of('life 6'))),
	'The current version is 3.', 'its detail gives the current version');
SELECT refuses(format('SELECT clarky.delete_activity(%L, 4)', id_of('life 6')), 'CK409',
	format('activity "%s" is not at version 4', id_of('life 6')), NULL, 'deleting at a future version');
SELECT is((clarky.delete_activity(id_of('life 6'), 3) #>> '{data,version}'), '4',
	'deleting at the current version: deleted, version 4');
SELECT refuses(format('SELECT clarky.delete_activity(%L, 4)', id_of('life 6')), 'P0002',
	format('activity "%s" not found', id_of('life 6')), 'id',
	'deleting again, even at the current version: not found');
SELECT is(timelines(), timelines_without(id_of('life 6')), 'deleted again: off every timeline and total');
SELECT is((clarky.restore_activity(id => id_of('life 6')) #>> '{data,version}'), '5',
	'restored again: version 5');
SELECT is(timelines(), (SELECT t FROM before_delete), 'and back where it was');
SELECT is((clarky.delete_activity(id => id_of('life 6'), expected_version => 5) #>> '{data,version}'), '6',
	'delete_activity''s parameters are named id and expected_version');
SELECT lives_ok(format('SELECT clarky.restore_activity(%L)', id_of('life 6')), '(restored)');

------------------------------------------------------------------------------
-- Deleting several; the newest and the oldest; everything
------------------------------------------------------------------------------

SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', (SELECT ids_of(clarky.contact_activities('c_life')))[1]),
	'(delete the contact''s newest)');
SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', (SELECT ids_of(clarky.contact_activities('c_life')))[7]),
	'(delete the contact''s oldest)');
SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', id_of('co 1')), '(delete one of the company''s own)');
SELECT is(timelines(), timelines_without(NULL), 'after three deletes, every page and total matches the live rows');
SELECT is(totals('contact', 'c_life'), ARRAY[7, 7, 7], 'the contact''s total: 7');

ALTER TABLE clarky.activities DISABLE TRIGGER activities_counts;
SELECT is(timelines(), timelines_without(NULL),
	'with the counts trigger disabled, the totals counted from the rows leave deleted ones out too');
ALTER TABLE clarky.activities ENABLE TRIGGER activities_counts;

SELECT lives_ok($$SELECT clarky.delete_activity(e ->> 'id')
	FROM json_array_elements(clarky.contact_activities('c_life', NULL, 1, 100) -> 'data') AS e$$,
	'(delete every activity of the contact)');
SELECT is(clarky.contact_activities('c_life')::text,
	'{"data": [], "pagination": {"page": 1, "page_size": 25, "total": 0, "total_pages": 0}}',
	'a contact whose activities are all deleted: an empty timeline, total 0');
SELECT is(totals('contact', 'c_life', 'note'), ARRAY[0, 0, 0], 'total 0 of every type too');
SELECT is(timelines(), timelines_without(NULL), 'the company keeps its own activities');
SELECT lives_ok($$SELECT clarky.restore_activity(id) FROM clarky.activities
	WHERE workspace_id = 'ws_life' AND deleted_at IS NOT NULL$$, '(restore every one)');
SELECT is(timelines(), (SELECT t FROM before_delete), 'every activity restored: the timelines are as at first');

------------------------------------------------------------------------------
-- Workspaces
------------------------------------------------------------------------------

SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', id_of('life 1')), '(delete life 1 in ws_life)');
SELECT set_config('clarky.workspace_id', 'ws_life_other', true) \g /dev/null
SELECT refuses(format('SELECT clarky.restore_activity(%L)', id_of('life 1')), 'P0002',
	format('activity "%s" not found', id_of('life 1')), 'id', 'restoring another workspace''s deleted activity');
SELECT refuses(format('SELECT clarky.delete_activity(%L)', id_of('life 2')), 'P0002',
	format('activity "%s" not found', id_of('life 2')), 'id', 'deleting another workspace''s activity');
SELECT set_config('clarky.workspace_id', 'ws_life', true) \g /dev/null

SELECT * FROM finish();
ROLLBACK;
