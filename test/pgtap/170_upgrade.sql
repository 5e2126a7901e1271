-- 170_upgrade.sql: ALTER EXTENSION clarky_activity UPDATE from 1.0.0 through
-- 1.1.0 and 1.2.0 to 1.4.0 keeps every activity, count and API key, and
-- builds the very catalog a fresh install builds, as does the update from
-- every older version, in one step or step by step.  Under older SQL (1.0.0,
-- 1.2.0) the new library refuses its activity functions with 55000, and
-- plain SQL keeps working.
--
-- The extension is dropped and created again inside this transaction, which
-- is rolled back: this file must call no function of the extension before
-- the extension it tests is in place (the library keeps plans per backend).
BEGIN;
SELECT plan(46);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/render.psql

-- Everything of the extension in the catalog, by name (no oids)
CREATE FUNCTION catalog() RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_build_object(
	'extension', (SELECT jsonb_agg(jsonb_build_object('version', e.extversion, 'relocatable', e.extrelocatable,
			'schema', e.extnamespace::regnamespace::text,
			'config', (SELECT jsonb_agg(c::regclass::text ORDER BY o) FROM unnest(e.extconfig) WITH ORDINALITY AS x(c, o)),
			'conditions', e.extcondition))
		FROM pg_extension e WHERE e.extname = 'clarky_activity'),
	'members', (SELECT jsonb_agg(pg_describe_object(d.classid, d.objid, d.objsubid)
								 ORDER BY pg_describe_object(d.classid, d.objid, d.objsubid))
		FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
		WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'clarky_activity' AND d.deptype = 'e'),
	'schemas', (SELECT jsonb_agg(jsonb_build_object('name', n.nspname, 'owner', n.nspowner::regrole::text,
			'acl', n.nspacl::text, 'comment', obj_description(n.oid, 'pg_namespace')) ORDER BY n.nspname)
		FROM pg_namespace n WHERE n.nspname IN ('clarky', 'clarky_api')),
	'relations', (SELECT jsonb_agg(jsonb_build_object('name', c.oid::regclass::text, 'kind', c.relkind,
			'acl', c.relacl::text, 'rls', c.relrowsecurity, 'force_rls', c.relforcerowsecurity,
			'persistence', c.relpersistence, 'options', c.reloptions,
			'index', CASE WHEN c.relkind = 'i' THEN pg_get_indexdef(c.oid) END,
			'comment', obj_description(c.oid, 'pg_class')) ORDER BY c.oid::regclass::text)
		FROM pg_class c WHERE c.relnamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace)),
	'columns', (SELECT jsonb_agg(jsonb_build_object('relation', c.oid::regclass::text, 'number', a.attnum,
			'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod), 'not_null', a.attnotnull,
			'default', pg_get_expr(d.adbin, d.adrelid), 'collation', co.collname, 'acl', a.attacl::text,
			'comment', col_description(c.oid, a.attnum)) ORDER BY c.oid::regclass::text, a.attnum)
		FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
		LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
		LEFT JOIN pg_collation co ON co.oid = a.attcollation
		WHERE c.relnamespace = 'clarky'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
		  AND a.attnum > 0 AND NOT a.attisdropped),
	'constraints', (SELECT jsonb_agg(jsonb_build_object('relation', k.conrelid::regclass::text, 'name', k.conname,
			'type', k.contype, 'definition', pg_get_constraintdef(k.oid),
			'comment', obj_description(k.oid, 'pg_constraint')) ORDER BY k.conrelid::regclass::text, k.conname)
		FROM pg_constraint k WHERE k.connamespace = 'clarky'::regnamespace),
	'functions', (SELECT jsonb_agg(jsonb_build_object('signature', p.oid::regprocedure::text,
			'returns', pg_get_function_result(p.oid), 'arguments', pg_get_function_arguments(p.oid),
			'language', l.lanname, 'volatility', p.provolatile, 'parallel', p.proparallel,
			'strict', p.proisstrict, 'security_definer', p.prosecdef, 'leakproof', p.proleakproof,
			'config', p.proconfig, 'acl', p.proacl::text, 'source', p.prosrc, 'library', p.probin,
			'comment', obj_description(p.oid, 'pg_proc')) ORDER BY p.oid::regprocedure::text)
		FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
		WHERE p.pronamespace IN ('clarky'::regnamespace, 'clarky_api'::regnamespace)),
	'types', (SELECT jsonb_agg(jsonb_build_object('name', t.typname, 'type', t.typtype,
			'labels', (SELECT jsonb_agg(enumlabel ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid),
			'acl', t.typacl::text, 'comment', obj_description(t.oid, 'pg_type')) ORDER BY t.typname)
		FROM pg_type t WHERE t.typnamespace = 'clarky'::regnamespace),
	'operators', (SELECT jsonb_agg(jsonb_build_object('operator', o.oid::regoperator::text,
			'function', o.oprcode::regprocedure::text, 'commutator', o.oprcom::regoperator::text,
			'negator', o.oprnegate::regoperator::text, 'comment', obj_description(o.oid, 'pg_operator'))
			ORDER BY o.oid::regoperator::text)
		FROM pg_operator o WHERE o.oprnamespace = 'clarky'::regnamespace),
	'operator_classes', (SELECT jsonb_agg(jsonb_build_object('name', c.opcname, 'default', c.opcdefault,
			'comment', obj_description(c.oid, 'pg_opclass')) ORDER BY c.opcname)
		FROM pg_opclass c WHERE c.opcnamespace = 'clarky'::regnamespace),
	'policies', (SELECT jsonb_agg(jsonb_build_object('relation', p.polrelid::regclass::text, 'name', p.polname,
			'command', p.polcmd, 'permissive', p.polpermissive,
			'roles', (SELECT jsonb_agg(n ORDER BY n) FROM (SELECT CASE r WHEN 0 THEN 'public' ELSE r::regrole::text END
															 FROM unnest(p.polroles) AS r) AS x(n)),
			'using', pg_get_expr(p.polqual, p.polrelid), 'with_check', pg_get_expr(p.polwithcheck, p.polrelid),
			'comment', obj_description(p.oid, 'pg_policy')) ORDER BY p.polrelid::regclass::text, p.polname)
		FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
		WHERE c.relnamespace = 'clarky'::regnamespace),
	'triggers', (SELECT jsonb_agg(jsonb_build_object('relation', t.tgrelid::regclass::text, 'name', t.tgname,
			'definition', pg_get_triggerdef(t.oid), 'enabled', t.tgenabled,
			'comment', obj_description(t.oid, 'pg_trigger')) ORDER BY t.tgrelid::regclass::text, t.tgname)
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
		WHERE c.relnamespace = 'clarky'::regnamespace AND NOT t.tgisinternal),
	'roles', (SELECT jsonb_agg(jsonb_build_object('name', r.rolname, 'login', r.rolcanlogin,
			'comment', shobj_description(r.oid, 'pg_authid')) ORDER BY r.rolname)
		FROM pg_roles r WHERE r.rolname LIKE 'clarky\_%'))
$$;

-- What differs between two catalogs: per section, the entries only in one
-- (or, where both have the same entries, that their order differs)
CREATE FUNCTION catalog_diff(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT coalesce(jsonb_object_agg(k, d), '{}') FROM (
		SELECT k, jsonb_build_object(
			'only_fresh', (SELECT jsonb_agg(x) FROM (SELECT jsonb_array_elements(coalesce(a -> k, '[]')) EXCEPT ALL
													  SELECT jsonb_array_elements(coalesce(b -> k, '[]'))) AS s(x)),
			'only_upgraded', (SELECT jsonb_agg(x) FROM (SELECT jsonb_array_elements(coalesce(b -> k, '[]')) EXCEPT ALL
														 SELECT jsonb_array_elements(coalesce(a -> k, '[]'))) AS s(x)),
			'order_differs', true) AS d
		  FROM (SELECT jsonb_object_keys(a || b) AS k) AS ks
		 WHERE a -> k IS DISTINCT FROM b -> k) AS x
$$;

-- The error of stmt: SQLSTATE, message, hint
CREATE FUNCTION error_of(stmt text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	v_state text;
	v_message text;
	v_hint text;
BEGIN
	EXECUTE stmt;
	RETURN '{"error": "none"}';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT, v_hint = PG_EXCEPTION_HINT;
	RETURN jsonb_build_object('sqlstate', v_state, 'message', v_message, 'hint', v_hint);
END
$$;

-- Install version v again, update it through steps (to the default version
-- when empty), and say how its catalog differs from the fresh install's
CREATE FUNCTION upgraded_from(v text, steps text[] DEFAULT '{}') RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	s text;
BEGIN
	DROP EXTENSION clarky_activity;
	EXECUTE format('CREATE EXTENSION clarky_activity VERSION %L', v);
	IF cardinality(steps) = 0 THEN
		ALTER EXTENSION clarky_activity UPDATE;
	END IF;
	FOREACH s IN ARRAY steps LOOP
		EXECUTE format('ALTER EXTENSION clarky_activity UPDATE TO %L', s);
	END LOOP;
	RETURN catalog_diff((SELECT c FROM fresh), catalog());
END
$$;

-- A timeline's total, read three ways: a short page, a full page of one, past the end
CREATE FUNCTION totals(contact text) RETURNS int[] LANGUAGE sql STABLE AS $$
	SELECT array_agg((clarky.contact_activities(contact, NULL, p, s) -> 'pagination' ->> 'total')::int ORDER BY o)
	  FROM (VALUES (1, 1, 100), (2, 1, 1), (3, 1000, 1)) AS v(o, p, s)
$$;

------------------------------------------------------------------------------
-- A fresh install of the default version
------------------------------------------------------------------------------

DROP EXTENSION clarky_activity;
CREATE EXTENSION clarky_activity;
CREATE TEMP TABLE fresh AS SELECT catalog() AS c;
SELECT is((SELECT c #>> '{extension,0,version}' FROM fresh), '1.4.0', 'a fresh install is version 1.4.0');

------------------------------------------------------------------------------
-- Every way from an older version (no data: the catalog only)
------------------------------------------------------------------------------

-- From 1.4.0 on, the build makes one-step updates from every older version
-- (scripts/sql_scripts.sh), and PostgreSQL takes the shortest way
SELECT is((SELECT array_agg(source || ': ' || path ORDER BY source)
			 FROM pg_extension_update_paths('clarky_activity') WHERE target = '1.4.0'),
	ARRAY['1.0.0: 1.0.0--1.4.0', '1.1.0: 1.1.0--1.4.0', '1.2.0: 1.2.0--1.4.0', '1.3.0: 1.3.0--1.4.0'],
	'every older version updates to 1.4.0 in one step');
SELECT is(upgraded_from('1.0.0'), '{}'::jsonb, 'the update from 1.0.0 builds the fresh install''s catalog');
SELECT is(upgraded_from('1.1.0'), '{}'::jsonb, 'so does the update from 1.1.0');
SELECT is(upgraded_from('1.2.0'), '{}'::jsonb, 'and from 1.2.0');
SELECT is(upgraded_from('1.3.0'), '{}'::jsonb, 'and from 1.3.0');
SELECT is(upgraded_from('1.0.0', '{1.1.0, 1.2.0, 1.3.0, 1.4.0}'), '{}'::jsonb,
	'and the chain from 1.0.0, one step at a time, each script as it was released');

------------------------------------------------------------------------------
-- 1.0.0, with data, under the new library
------------------------------------------------------------------------------

DROP EXTENSION clarky_activity;
CREATE EXTENSION clarky_activity VERSION '1.0.0';
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'), '1.0.0',
	'(version 1.0.0 installed)');

SELECT lives_ok($$INSERT INTO clarky.activities
		(workspace_id, id, contact_id, company_id, activity_type, title, metadata, created_at, occurred_at) VALUES
	('ws_old', 'a_01ARYZ6S41TSV4RRFFQ69G5FA1', 'c_old', 'co_old', 'call', 'old call', '{"k": [1]}',
	 '2021-03-04 05:06:07.891+00', '2021-03-01 00:00:00+00'),
	('ws_old', 'a_01ARYZ6S41TSV4RRFFQ69G5FA2', 'c_old', NULL, 'note', 'old note', '{}',
	 '2021-03-05 00:00:00+00', '2021-03-02 00:00:00+00'),
	('ws_old', 'a_01ARYZ6S41TSV4RRFFQ69G5FA3', 'c_old', NULL, 'task', 'old task', '{}',
	 '2021-03-06 00:00:00+00', '2021-03-03 00:00:00+00'),
	('ws_old_other', 'a_01ARYZ6S41TSV4RRFFQ69G5FA1', 'c_old', NULL, 'note', 'other', '{}',
	 '2021-03-07 00:00:00+00', '2021-03-04 00:00:00+00')$$,
	'under the 1.0.0 SQL, plain INSERTs into the table work (and the counts trigger with them)');
SELECT lives_ok($$DELETE FROM clarky.activities WHERE id = 'a_01ARYZ6S41TSV4RRFFQ69G5FA3'$$,
	'and a plain DELETE');
SELECT lives_ok($$CREATE TEMP TABLE old_key AS SELECT clarky.create_api_key('ws_old', ARRAY['read'], 'old key') AS key$$,
	'the API-key functions work under the 1.0.0 SQL');

SELECT set_config('clarky.workspace_id', 'ws_old', true) \g /dev/null
SELECT is(error_of($$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_old"}')$$),
	'{"sqlstate": "55000", "message": "clarky_activity''s SQL objects are older than its library",
	  "hint": "Run ALTER EXTENSION clarky_activity UPDATE."}'::jsonb,
	'under the 1.0.0 SQL, log_activity refuses with 55000 and the hint to update');
SELECT is(error_of($$SELECT clarky.contact_activities('c_old')$$) ->> 'sqlstate', '55000',
	'and so does contact_activities');
SELECT is(error_of($$SELECT clarky.company_activities('co_old')$$) ->> 'sqlstate', '55000',
	'and company_activities');
SELECT is((SELECT count(*)::int FROM clarky.activities), 3, '(nothing was logged)');

------------------------------------------------------------------------------
-- ALTER EXTENSION ... UPDATE
------------------------------------------------------------------------------

SELECT lives_ok($$ALTER EXTENSION clarky_activity UPDATE TO '1.1.0'$$, 'ALTER EXTENSION clarky_activity UPDATE TO ''1.1.0''');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'), '1.1.0',
	'the extension is at version 1.1.0');
-- Under the 1.1.0 SQL the new library keeps 1.1.0's rule: clarky.workspace_id
-- is an ordinary setting (the 1.1.0 pre-request function sets it as the
-- anonymous role)
SET LOCAL ROLE clarky_writer;
SELECT lives_ok($$SET LOCAL clarky.workspace_id = 'ws_old_other'$$,
	'under the 1.1.0 SQL, a writer may still set clarky.workspace_id (1.1.0''s rule)');
SELECT is(clarky.current_workspace(), 'ws_old_other', 'and acts in that workspace');
RESET ROLE;
SELECT lives_ok($$ALTER EXTENSION clarky_activity UPDATE TO '1.2.0'$$, 'ALTER EXTENSION clarky_activity UPDATE TO ''1.2.0''');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'), '1.2.0',
	'the extension is at version 1.2.0');
SELECT is(clarky.current_workspace(), 'default',
	'at its next call the session follows 1.2.0''s rule: the value the writer set is dropped');
SET LOCAL ROLE clarky_writer;
SELECT throws_ok($$SET LOCAL clarky.workspace_id = 'ws_old_other'$$, '42501',
	'permission denied to set parameter "clarky.workspace_id"', 'and the writer may no longer set it');
RESET ROLE;
SELECT set_config('clarky.workspace_id', 'ws_old', true) \g /dev/null
-- Under the 1.2.0 SQL (no tags, no links) the new library refuses, and
-- plain SQL goes on
SELECT is(error_of($$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_old"}')$$) ->> 'sqlstate',
	'55000', 'under the 1.2.0 SQL, log_activity refuses with 55000');
SELECT is(error_of($$SELECT clarky.company_activities('co_old')$$) ->> 'sqlstate', '55000',
	'and so does the 1.2.0 company_activities');
SELECT lives_ok($$UPDATE clarky.activities SET title = 'old call' WHERE id = 'a_01ARYZ6S41TSV4RRFFQ69G5FA1'$$,
	'a plain UPDATE works under the 1.2.0 SQL');
SELECT lives_ok($$ALTER EXTENSION clarky_activity UPDATE$$, 'ALTER EXTENSION clarky_activity UPDATE (to the default version)');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'), '1.4.0',
	'the extension is at version 1.4.0');
SELECT is(catalog_diff((SELECT c FROM fresh), catalog()), '{}'::jsonb,
	'the upgraded catalog is the fresh install''s: every object, definition, privilege and comment');

SELECT is(
	(SELECT jsonb_agg(jsonb_build_object('ws', workspace_id, 'id', id, 'updated_is_created', updated_at = created_at,
			'version', version, 'deleted_at', deleted_at, 'owner_id', owner_id) ORDER BY workspace_id, id)
	   FROM clarky.activities),
	'[{"ws": "ws_old", "id": "a_01ARYZ6S41TSV4RRFFQ69G5FA1", "updated_is_created": true, "version": 1, "deleted_at": null, "owner_id": null},
	  {"ws": "ws_old", "id": "a_01ARYZ6S41TSV4RRFFQ69G5FA2", "updated_is_created": true, "version": 1, "deleted_at": null, "owner_id": null},
	  {"ws": "ws_old_other", "id": "a_01ARYZ6S41TSV4RRFFQ69G5FA1", "updated_is_created": true, "version": 1, "deleted_at": null, "owner_id": null}]'::jsonb,
	'every activity is kept: updated_at = created_at, version 1, live, no owner');
SELECT is(clarky.get_activity('a_01ARYZ6S41TSV4RRFFQ69G5FA1')::text,
	'{"data": {"id": "a_01ARYZ6S41TSV4RRFFQ69G5FA1", "contact_id": "c_old", "company_id": "co_old", '
	'"activity_type": "call", "title": "old call", "description": null, "due_date": null, '
	'"duration_minutes": null, "completed_at": null, "metadata": {"k": [1]}, '
	'"created_at": "2021-03-04T05:06:07.891Z", "occurred_at": "2021-03-01T00:00:00.000Z", '
	'"owner_id": null, "updated_at": "2021-03-04T05:06:07.891Z", "version": 1, '
	'"contact_ids": ["c_old"], "company_ids": ["co_old"]}}',
	'get_activity renders an activity of 1.0.0, updated_at its created_at');
SELECT is(totals('c_old'), ARRAY[2, 2, 2], 'the totals kept under 1.0.0 are exact (read three ways)');
SELECT is((SELECT array_agg(e ->> 'title' ORDER BY o)
		   FROM json_array_elements(clarky.contact_activities('c_old') -> 'data') WITH ORDINALITY AS x(e, o)),
	ARRAY['old note', 'old call'], 'the timeline of the activities of 1.0.0, newest first');
SELECT is((SELECT workspace_id FROM clarky.resolve_api_key((SELECT key FROM old_key))), 'ws_old',
	'an API key of 1.0.0 still resolves');

SELECT is((clarky.update_activity('a_01ARYZ6S41TSV4RRFFQ69G5FA1', '{"owner_id": "u_1"}', 1) -> 'data')::jsonb
		  - 'id' - 'contact_id' - 'company_id' - 'activity_type' - 'title' - 'description' - 'due_date'
		  - 'duration_minutes' - 'completed_at' - 'metadata' - 'occurred_at' - 'contact_ids' - 'company_ids',
	jsonb_build_object('created_at', '2021-03-04T05:06:07.891Z', 'owner_id', 'u_1', 'version', 2,
		'updated_at', now_rendered()),
	'an activity of 1.0.0 is updated: version 2, updated_at now');
SELECT lives_ok($$SELECT clarky.delete_activity('a_01ARYZ6S41TSV4RRFFQ69G5FA2')$$, 'an activity of 1.0.0 is deleted');
SELECT is(totals('c_old'), ARRAY[1, 1, 1], 'and leaves the totals');
SELECT lives_ok($$SELECT clarky.restore_activity('a_01ARYZ6S41TSV4RRFFQ69G5FA2')$$, 'and is restored');
SELECT is(totals('c_old'), ARRAY[2, 2, 2], 'back in the totals');
SELECT is((clarky.log_activity('{"activity_type": "note", "contact_id": "c_old", "owner_id": "u_2"}') #>> '{data,owner_id}'),
	'u_2', 'log_activity works again, with owner_id');
SELECT is(totals('c_old'), ARRAY[3, 3, 3], 'and is counted');
SELECT set_config('clarky.workspace_id', 'ws_old_other', true) \g /dev/null
SELECT is(totals('c_old'), ARRAY[1, 1, 1], 'the other workspace keeps its own total');

-- The links of 1.3.0 on the upgraded data: the activities of 1.0.0 have their contact and
-- company as the primary ones, no links; a membership with backfill carries
-- them onto the company
SELECT set_config('clarky.workspace_id', 'ws_old', true) \g /dev/null
SELECT is((SELECT count(*)::int FROM clarky.activity_links), 0,
	'the upgrade wrote no links: every activity of 1.0.0 has only its primary contact and company');
SELECT is((clarky.company_activities('co_old') #>> '{pagination,total}')::int, 1,
	'the company timeline of 1.0.0''s company lists what was logged against it');
SELECT is(clarky.add_contact_to_company('c_old', 'co_people', true) #>> '{data,backfilled}', '3',
	'a membership with backfill on upgraded data carries the contact''s three live activities');
SELECT is(ARRAY[(clarky.company_activities('co_people') #>> '{pagination,total}')::int,
				json_array_length(clarky.company_activities('co_people') -> 'data'),
				(clarky.company_activities('co_people', scope => 'direct') #>> '{pagination,total}')::int],
	ARRAY[3, 3, 0], 'onto the company''s whole timeline (total and page), not onto its direct one');

SELECT * FROM finish();
ROLLBACK;
