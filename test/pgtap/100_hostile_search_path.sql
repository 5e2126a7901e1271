-- 100_hostile_search_path.sql: objects planted in public and pg_temp, and a
-- search_path that puts public before pg_catalog, change no result of any
-- extension function and run no planted code.
BEGIN;
SELECT plan(13);

-- Results under the ordinary search_path, to compare with
SELECT set_config('clarky.workspace_id', 'ws_hostile', true);
CREATE TEMP TABLE expected AS
SELECT clarky.log_activity('{"activity_type": "call", "contact_id": "c_h", "company_id": "co_h", "title": "one",
		"duration_minutes": 5, "occurred_at": "2026-01-01T10:00:00Z", "due_date": "2026-01-02",
		"metadata": {"k": [1, "x"]}}')::jsonb - '{}'::text[] AS logged;
INSERT INTO expected
SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_h", "occurred_at": "2026-01-01T09:00:00Z"}')::jsonb;
CREATE TEMP TABLE expected_timelines AS
SELECT clarky.contact_activities('c_h')::text AS contact_all,
	   clarky.contact_activities('c_h', 'call', 1, 1)::text AS contact_calls,
	   clarky.company_activities('co_h')::text AS company_all,
	   clarky.contact_activities('c_h', NULL, 2, 1)::text AS page_two;

-- The activity the functions of an activity's life will work on
CREATE TEMP TABLE target AS
SELECT logged #>> '{data,id}' AS id, logged AS logged FROM expected WHERE logged #>> '{data,activity_type}' = 'note';

-- The traps: every planted object records that it ran
CREATE TABLE public.trap_log (what text);
CREATE FUNCTION public.trap_eq(text, text) RETURNS boolean LANGUAGE sql AS
	$$ INSERT INTO public.trap_log VALUES ('= on text'); SELECT true $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.trap_eq);
CREATE FUNCTION public.trap_enum_eq(clarky.activity_type, clarky.activity_type) RETURNS boolean LANGUAGE sql AS
	$$ INSERT INTO public.trap_log VALUES ('= on activity_type'); SELECT true $$;
CREATE OPERATOR public.= (LEFTARG = clarky.activity_type, RIGHTARG = clarky.activity_type,
						  FUNCTION = public.trap_enum_eq);
CREATE FUNCTION public.count() RETURNS bigint LANGUAGE sql AS
	$$ INSERT INTO public.trap_log VALUES ('count'); SELECT 0::bigint $$;
CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS
	$$ INSERT INTO public.trap_log VALUES ('now'); SELECT '2000-01-01'::timestamptz $$;
CREATE FUNCTION public.sha256(bytea) RETURNS bytea LANGUAGE sql AS
	$$ INSERT INTO public.trap_log VALUES ('sha256'); SELECT '\x00'::bytea $$;
CREATE FUNCTION public.current_setting(text, boolean) RETURNS text LANGUAGE sql AS
	$$ INSERT INTO public.trap_log VALUES ('current_setting'); SELECT 'ws_other' $$;
CREATE FUNCTION public.jsonb_typeof(jsonb) RETURNS text LANGUAGE sql AS
	$$ INSERT INTO public.trap_log VALUES ('jsonb_typeof'); SELECT 'object' $$;
CREATE TYPE public.jsonb AS ENUM ('trap');
CREATE SCHEMA trap_clarky;
CREATE TABLE trap_clarky.activities (LIKE clarky.activities);
CREATE TEMP TABLE activities (LIKE clarky.activities);
INSERT INTO pg_temp.activities (workspace_id, id, contact_id, activity_type, metadata, created_at, occurred_at,
								updated_at, version, other_contact_ids, other_company_ids, via_company_ids)
VALUES ('ws_hostile', 'a_temp', 'c_h', 'note', '{}', now(), now(), now(), 1, '{}', '{}', '{}');

-- Every call runs under the hostile path; the assertions (pgTAP itself
-- would fall into the traps) run after it is reset.
SET LOCAL search_path = pg_temp, public, trap_clarky, pg_catalog;
CREATE TEMP TABLE got AS
SELECT clarky.contact_activities('c_h')::text AS contact_all,
	   clarky.contact_activities('c_h', 'call', 1, 1)::text AS contact_calls,
	   clarky.company_activities('co_h')::text AS company_all,
	   clarky.contact_activities('c_h', NULL, 2, 1)::text AS page_two;
CREATE TEMP TABLE logged AS
SELECT clarky.log_activity('{"activity_type": "call", "contact_id": "c_h", "company_id": "co_h", "title": "one",
		"duration_minutes": 5, "occurred_at": "2026-01-01T10:00:00Z", "due_date": "2026-01-02",
		"metadata": {"k": [1, "x"]}}')::pg_catalog.jsonb AS logged;
CREATE TEMP TABLE new_key AS SELECT clarky.create_api_key('ws_hostile', ARRAY['read']) AS key;
CREATE TEMP TABLE key_check AS
SELECT k.workspace_id || '/' || k.scope AS resolved
FROM new_key, clarky.resolve_api_key(new_key.key) AS k;
CREATE TEMP TABLE life (n int, r text);
INSERT INTO life SELECT 1, clarky.get_activity((SELECT id FROM target))::text;
INSERT INTO life SELECT 2, clarky.update_activity((SELECT id FROM target), '{"title": "hostile", "metadata": {"m": 1}}', 1)::text;
INSERT INTO life SELECT 3, clarky.complete_activity((SELECT id FROM target))::text;
INSERT INTO life SELECT 4, clarky.reopen_activity((SELECT id FROM target))::text;
INSERT INTO life SELECT 5, clarky.delete_activity((SELECT id FROM target), 4)::text;
INSERT INTO life SELECT 6, clarky.contact_activities('c_h')::text;
INSERT INTO life SELECT 7, clarky.restore_activity((SELECT id FROM target))::text;
SET LOCAL search_path = pg_catalog, public;

SELECT is((SELECT contact_all FROM got), (SELECT contact_all FROM expected_timelines),
	'contact_activities: the same answer with planted operators and functions first in search_path');
SELECT is((SELECT contact_calls FROM got), (SELECT contact_calls FROM expected_timelines),
	'the type-filtered timeline: the same answer');
SELECT is((SELECT company_all FROM got), (SELECT company_all FROM expected_timelines),
	'company_activities: the same answer');
SELECT is((SELECT page_two FROM got), (SELECT page_two FROM expected_timelines),
	'a later page and its count: the same answer');
SELECT is(
	(SELECT (logged -> 'data') - 'id' - 'created_at' FROM logged),
	(SELECT (logged -> 'data') - 'id' - 'created_at' FROM expected ORDER BY logged #>> '{data,id}' LIMIT 1),
	'log_activity: the same activity is written and rendered');
SELECT is((SELECT logged #>> '{data,created_at}' FROM logged),
	(SELECT logged #>> '{data,created_at}' FROM expected LIMIT 1),
	'created_at is the real now(), not a planted one');
SELECT is((SELECT resolved FROM key_check), 'ws_hostile/read',
	'API keys are created and resolved with the real sha256');
SELECT is((SELECT r::jsonb FROM life WHERE n = 1), (SELECT logged FROM target),
	'get_activity: the activity asked for, as log_activity returned it');
SELECT is(
	(SELECT jsonb_agg(jsonb_build_object('n', n, 'version', r::jsonb #> '{data,version}',
			'title', r::jsonb #>> '{data,title}', 'completed', r::jsonb #>> '{data,completed_at}' IS NOT NULL,
			'deleted', r::jsonb -> 'data' ? 'deleted_at') ORDER BY n)
	   FROM life WHERE n BETWEEN 2 AND 7 AND n <> 6),
	'[{"n": 2, "version": 2, "title": "hostile", "completed": false, "deleted": false},
	  {"n": 3, "version": 3, "title": "hostile", "completed": true, "deleted": false},
	  {"n": 4, "version": 4, "title": "hostile", "completed": false, "deleted": false},
	  {"n": 5, "version": 5, "title": "hostile", "completed": false, "deleted": true},
	  {"n": 7, "version": 6, "title": "hostile", "completed": false, "deleted": false}]'::jsonb,
	'update, complete, reopen, delete and restore: each answers the activity it changed');
SELECT is((SELECT r::jsonb #>> '{pagination,total}' FROM life WHERE n = 6), '2',
	'the deleted activity left the timeline''s total');
SELECT is(
	(SELECT jsonb_object_agg(id, jsonb_build_object('title', title, 'version', version, 'deleted', deleted_at IS NOT NULL))
	   FROM clarky.activities WHERE workspace_id = 'ws_hostile'),
	(SELECT jsonb_object_agg(l #>> '{data,id}', jsonb_build_object(
				'title', CASE WHEN l #>> '{data,id}' = (SELECT id FROM target) THEN 'hostile' ELSE l #>> '{data,title}' END,
				'version', CASE WHEN l #>> '{data,id}' = (SELECT id FROM target) THEN 6 ELSE 1 END,
				'deleted', false))
	   FROM (SELECT logged AS l FROM expected UNION ALL SELECT logged FROM logged) AS x),
	'only the activity given was changed, to version 6; no other row');
SELECT is((SELECT count(*)::int FROM public.trap_log), 0, 'no planted function or operator ever ran');
SELECT is((SELECT count(*)::int FROM clarky.activities WHERE workspace_id = 'ws_hostile'), 3,
	'every write went to clarky.activities, none to the planted tables');

SELECT * FROM finish();
ROLLBACK;
