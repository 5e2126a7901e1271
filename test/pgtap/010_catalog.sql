-- 010_catalog.sql: what CREATE EXTENSION clarky_activity puts in the catalog.
BEGIN;
SELECT plan(118);

SET LOCAL search_path = public, pg_catalog;

------------------------------------------------------------------------------
-- Extension and schema
------------------------------------------------------------------------------

SELECT has_extension('clarky_activity', 'the extension clarky_activity is installed');
SELECT is(
	(SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
	  WHERE e.extname = 'clarky_activity'),
	'clarky', 'the extension lives in schema clarky');
SELECT has_schema('clarky', 'schema clarky exists');
SELECT has_table('clarky', 'activities', 'schema clarky has the table activities');
SELECT is(
	(SELECT count(*) FROM pg_proc WHERE pronamespace = 'clarky'::regnamespace
		AND proname IN ('new_activity_id', 'current_workspace', 'log_activity',
						'contact_activities', 'company_activities')),
	5::bigint,
	'schema clarky has the five activity functions, each once (no overloads)');
SELECT is(
	(SELECT count(*) FROM pg_proc WHERE pronamespace = 'clarky'::regnamespace
		AND proname IN ('get_activity', 'update_activity', 'complete_activity', 'reopen_activity',
						'delete_activity', 'restore_activity', 'purge_deleted_activities')),
	7::bigint,
	'schema clarky has the seven functions of 1.1.0, each once (no overloads)');
SELECT is(
	(SELECT count(*) FROM pg_proc WHERE pronamespace = 'clarky'::regnamespace
		AND proname IN ('use_workspace', 'may_use_workspace', 'use_api_key')),
	3::bigint,
	'schema clarky has the three functions of 1.2.0, each once (no overloads)');
SELECT is(
	(SELECT count(*) FROM pg_proc WHERE pronamespace = 'clarky'::regnamespace
		AND proname IN ('add_contact_to_company', 'remove_contact_from_company', 'company_contacts',
						'rebuild_activity_links')),
	4::bigint,
	'schema clarky has the four functions of 1.3.0, each once (no overloads)');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'clarky_activity'), '1.4.0',
	'the installed version is 1.4.0');
SELECT enums_are('clarky', ARRAY['activity_type'], 'schema clarky has exactly one enum, activity_type');

------------------------------------------------------------------------------
-- The enum
------------------------------------------------------------------------------

SELECT has_enum('clarky', 'activity_type', 'enum clarky.activity_type exists');
SELECT enum_has_labels('clarky', 'activity_type',
	ARRAY['note', 'call', 'meeting', 'video_call', 'task', 'todo', 'reminder'],
	'clarky.activity_type has exactly the seven labels, in order');

------------------------------------------------------------------------------
-- The table, its columns and types
------------------------------------------------------------------------------

SELECT has_table('clarky', 'activities', 'table clarky.activities exists');
SELECT is(
	(SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
	  WHERE attrelid = 'clarky.activities'::regclass AND attnum > 0 AND NOT attisdropped),
	ARRAY['workspace_id', 'id', 'contact_id', 'company_id', 'activity_type', 'title',
		  'description', 'due_date', 'duration_minutes', 'completed_at', 'metadata',
		  'created_at', 'occurred_at', 'owner_id', 'updated_at', 'version', 'deleted_at',
		  'other_contact_ids', 'other_company_ids', 'via_company_ids'],
	'clarky.activities has exactly the twenty columns, in order');

SELECT col_type_is('clarky', 'activities', 'workspace_id', 'text', 'workspace_id is text');
SELECT col_type_is('clarky', 'activities', 'id', 'text', 'id is text');
SELECT col_type_is('clarky', 'activities', 'contact_id', 'text', 'contact_id is text');
SELECT col_type_is('clarky', 'activities', 'company_id', 'text', 'company_id is text');
SELECT col_type_is('clarky', 'activities', 'activity_type', 'clarky', 'activity_type',
	'activity_type is clarky.activity_type');
SELECT col_type_is('clarky', 'activities', 'title', 'text', 'title is text');
SELECT col_type_is('clarky', 'activities', 'description', 'text', 'description is text');
SELECT col_type_is('clarky', 'activities', 'due_date', 'timestamp with time zone',
	'due_date is timestamptz');
SELECT col_type_is('clarky', 'activities', 'duration_minutes', 'numeric',
	'duration_minutes is numeric');
SELECT col_type_is('clarky', 'activities', 'completed_at', 'timestamp with time zone',
	'completed_at is timestamptz');
SELECT col_type_is('clarky', 'activities', 'metadata', 'jsonb', 'metadata is jsonb');
SELECT col_type_is('clarky', 'activities', 'created_at', 'timestamp with time zone',
	'created_at is timestamptz');
SELECT col_type_is('clarky', 'activities', 'occurred_at', 'timestamp with time zone',
	'occurred_at is timestamptz');
SELECT col_type_is('clarky', 'activities', 'owner_id', 'text', 'owner_id is text');
SELECT col_type_is('clarky', 'activities', 'updated_at', 'timestamp with time zone',
	'updated_at is timestamptz');
SELECT col_type_is('clarky', 'activities', 'version', 'integer', 'version is integer');
SELECT col_type_is('clarky', 'activities', 'deleted_at', 'timestamp with time zone',
	'deleted_at is timestamptz');
SELECT col_type_is('clarky', 'activities', 'other_contact_ids', 'text[]', 'other_contact_ids is text[]');
SELECT col_type_is('clarky', 'activities', 'other_company_ids', 'text[]', 'other_company_ids is text[]');
SELECT col_type_is('clarky', 'activities', 'via_company_ids', 'text[]', 'via_company_ids is text[]');

SELECT is(
	(SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
	  WHERE attrelid = 'clarky.activities'::regclass AND attnum > 0 AND attnotnull),
	ARRAY['workspace_id', 'id', 'activity_type', 'metadata', 'created_at', 'occurred_at',
		  'updated_at', 'version', 'other_contact_ids', 'other_company_ids', 'via_company_ids'],
	'exactly workspace_id, id, activity_type, metadata, created_at, occurred_at, updated_at, version and the three id arrays are NOT NULL');
SELECT col_not_null('clarky', 'activities', 'metadata', 'metadata is NOT NULL');
SELECT col_default_is('clarky', 'activities', 'metadata', '{}'::jsonb,
	'metadata defaults to the empty object');
SELECT col_default_is('clarky', 'activities', 'workspace_id', 'clarky.current_workspace()',
	'workspace_id defaults to clarky.current_workspace()');
SELECT col_default_is('clarky', 'activities', 'id', 'clarky.new_activity_id()',
	'id defaults to clarky.new_activity_id()');
SELECT col_default_is('clarky', 'activities', 'created_at', 'now()', 'created_at defaults to now()');
SELECT col_default_is('clarky', 'activities', 'occurred_at', 'now()', 'occurred_at defaults to now()');
SELECT col_default_is('clarky', 'activities', 'updated_at', 'now()', 'updated_at defaults to now()');
SELECT col_default_is('clarky', 'activities', 'version', 1, 'version defaults to 1');
SELECT col_hasnt_default('clarky', 'activities', 'deleted_at', 'deleted_at has no default (live)');
SELECT col_hasnt_default('clarky', 'activities', 'owner_id', 'owner_id has no default');
SELECT is(
	(SELECT array_agg(a.attname::text || ' ' || pg_get_expr(d.adbin, d.adrelid) ORDER BY a.attnum)
	   FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
	  WHERE a.attrelid = 'clarky.activities'::regclass AND a.attname LIKE '%\_ids'),
	ARRAY['other_contact_ids ''{}''::text[]', 'other_company_ids ''{}''::text[]',
		  'via_company_ids ''{}''::text[]'],
	'the three id arrays default to the empty array');
SELECT is(
	(SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
	  JOIN pg_collation c ON c.oid = a.attcollation
	  WHERE a.attrelid = 'clarky.activities'::regclass AND a.attnum > 0 AND c.collname = 'C'),
	ARRAY['workspace_id', 'id', 'contact_id', 'company_id', 'owner_id', 'other_contact_ids',
		  'other_company_ids', 'via_company_ids'],
	'the id columns (workspace_id, id, contact_id, company_id, owner_id and the id arrays) use COLLATE "C"');

------------------------------------------------------------------------------
-- Constraints
------------------------------------------------------------------------------

SELECT has_pk('clarky', 'activities', 'clarky.activities has a primary key');
SELECT col_is_pk('clarky', 'activities', ARRAY['workspace_id', 'id'],
	'the primary key is (workspace_id, id)');
SELECT bag_eq(
	$$SELECT conname::text, contype::text FROM pg_constraint
	   WHERE conrelid = 'clarky.activities'::regclass$$,
	$$VALUES ('activities_pkey', 'p'),
			 ('activities_contact_or_company', 'c'),
			 ('activities_contact_id_not_empty', 'c'),
			 ('activities_company_id_not_empty', 'c'),
			 ('activities_duration_minutes_range', 'c'),
			 ('activities_metadata_object', 'c'),
			 ('activities_due_date_range', 'c'),
			 ('activities_completed_at_range', 'c'),
			 ('activities_created_at_range', 'c'),
			 ('activities_occurred_at_range', 'c'),
			 ('activities_owner_id_not_empty', 'c'),
			 ('activities_version_positive', 'c'),
			 ('activities_updated_at_range', 'c'),
			 ('activities_deleted_at_range', 'c'),
			 ('activities_other_contact_ids_valid', 'c'),
			 ('activities_other_company_ids_valid', 'c'),
			 ('activities_via_company_ids_valid', 'c')$$,
	'clarky.activities has the primary key and the sixteen CHECK constraints');
SELECT is(
	(SELECT pg_get_constraintdef(oid) FROM pg_constraint
	  WHERE conrelid = 'clarky.activities'::regclass AND conname = 'activities_contact_or_company'),
	'CHECK (((contact_id IS NOT NULL) OR (company_id IS NOT NULL)))',
	'activities_contact_or_company requires contact_id or company_id');

SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, company_id, activity_type)
	  VALUES (NULL, NULL, 'note')$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_contact_or_company"',
	'a raw INSERT without contact_id and company_id violates activities_contact_or_company');
SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type) VALUES ('', 'note')$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_contact_id_not_empty"',
	'a raw INSERT with an empty contact_id violates activities_contact_id_not_empty');
SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type, duration_minutes)
	  VALUES ('c_raw', 'call', -1)$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_duration_minutes_range"',
	'a raw INSERT with a negative duration violates activities_duration_minutes_range');
SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type, metadata)
	  VALUES ('c_raw', 'note', '[]')$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_metadata_object"',
	'a raw INSERT with array metadata violates activities_metadata_object');
SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type, owner_id) VALUES ('c_raw', 'note', '')$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_owner_id_not_empty"',
	'a raw INSERT with an empty owner_id violates activities_owner_id_not_empty');
SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type, version) VALUES ('c_raw', 'note', 0)$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_version_positive"',
	'a raw INSERT with version 0 violates activities_version_positive');
SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type, deleted_at)
	  VALUES ('c_raw', 'note', '10000-01-01 00:00:00+00')$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_deleted_at_range"',
	'a raw INSERT with deleted_at after 9999 violates activities_deleted_at_range');
SELECT throws_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type, updated_at)
	  VALUES ('c_raw', 'note', '0001-01-01 00:00:00+00'::timestamptz - interval '1 microsecond')$$,
	'23514',
	'new row for relation "activities" violates check constraint "activities_updated_at_range"',
	'a raw INSERT with updated_at before 0001 violates activities_updated_at_range');
SELECT lives_ok(
	$$INSERT INTO clarky.activities (contact_id, activity_type) VALUES ('c_raw', 'note')$$,
	'a raw INSERT with only contact_id and activity_type is accepted (defaults fill the rest)');
SELECT is(
	(SELECT ROW(workspace_id, id ~ '^a_[0-7][0-9A-HJKMNP-TV-Z]{25}$', metadata,
				created_at = now(), occurred_at = now(), owner_id, updated_at = now(), version,
				deleted_at)::text
	   FROM clarky.activities WHERE contact_id = 'c_raw'),
	ROW('default', true, '{}'::jsonb, true, true, NULL::text, true, 1, NULL::timestamptz)::text,
	'the column defaults fill workspace default, a new id, {}, now(), now(), no owner, now(), version 1, live');

SELECT policies_are('clarky', 'activities',
	ARRAY['activities_workspace', 'activities_analyst_read'],
	'clarky.activities has the workspace and analyst policies, no other');

------------------------------------------------------------------------------
-- Indexes
------------------------------------------------------------------------------

SELECT indexes_are('clarky', 'activities',
	ARRAY['activities_pkey', 'activities_contact_timeline', 'activities_contact_type_timeline',
		  'activities_company_timeline', 'activities_company_type_timeline'],
	'clarky.activities has the primary key and the four timeline indexes');
SELECT is(
	(SELECT array_agg(i.indexrelid::regclass::text ORDER BY i.indexrelid::regclass::text)
	   FROM pg_index i
	   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
	  WHERE i.indrelid = 'clarky.activities'::regclass
		AND a.attname IS DISTINCT FROM 'workspace_id'),
	NULL,
	'every index on clarky.activities leads with workspace_id');
SELECT cmp_ok(
	(SELECT count(*) FROM pg_index WHERE indrelid = 'clarky.activities'::regclass),
	'=', 5::bigint, 'clarky.activities has five indexes in all');
SELECT is(pg_get_indexdef('clarky.activities_contact_timeline'::regclass),
	'CREATE INDEX activities_contact_timeline ON clarky.activities USING btree (workspace_id, contact_id, occurred_at DESC, id DESC) WHERE ((contact_id IS NOT NULL) AND (deleted_at IS NULL))',
	'activities_contact_timeline: (workspace_id, contact_id, occurred_at DESC, id DESC) of live activities with a contact');
SELECT is(pg_get_indexdef('clarky.activities_contact_type_timeline'::regclass),
	'CREATE INDEX activities_contact_type_timeline ON clarky.activities USING btree (workspace_id, contact_id, activity_type, occurred_at DESC, id DESC) WHERE ((contact_id IS NOT NULL) AND (deleted_at IS NULL))',
	'activities_contact_type_timeline: (workspace_id, contact_id, activity_type, occurred_at DESC, id DESC) of live activities');
SELECT is(pg_get_indexdef('clarky.activities_company_timeline'::regclass),
	'CREATE INDEX activities_company_timeline ON clarky.activities USING btree (workspace_id, company_id, occurred_at DESC, id DESC) WHERE ((company_id IS NOT NULL) AND (deleted_at IS NULL))',
	'activities_company_timeline: (workspace_id, company_id, occurred_at DESC, id DESC) of live activities with a company');
SELECT is(pg_get_indexdef('clarky.activities_company_type_timeline'::regclass),
	'CREATE INDEX activities_company_type_timeline ON clarky.activities USING btree (workspace_id, company_id, activity_type, occurred_at DESC, id DESC) WHERE ((company_id IS NOT NULL) AND (deleted_at IS NULL))',
	'activities_company_type_timeline: (workspace_id, company_id, activity_type, occurred_at DESC, id DESC) of live activities');

------------------------------------------------------------------------------
-- pg_dump
------------------------------------------------------------------------------

SELECT ok(
	(SELECT 'clarky.activities'::regclass::oid = ANY (extconfig) FROM pg_extension
	  WHERE extname = 'clarky_activity'),
	'clarky.activities is registered with pg_extension_config_dump (extconfig)');
SELECT is(
	(SELECT extcondition[array_position(extconfig, 'clarky.activities'::regclass::oid)]
	   FROM pg_extension WHERE extname = 'clarky_activity'),
	'',
	'pg_dump keeps every row of clarky.activities (empty extcondition)');

------------------------------------------------------------------------------
-- Comments
------------------------------------------------------------------------------

SELECT isnt(obj_description('clarky'::regnamespace, 'pg_namespace'), NULL,
	'schema clarky has a comment');
SELECT is(
	(SELECT array_agg(p.oid::regprocedure::text) FROM pg_proc p
	  WHERE p.pronamespace = 'clarky'::regnamespace
		AND obj_description(p.oid, 'pg_proc') IS NULL),
	NULL, 'every function in schema clarky has a comment');
SELECT is(
	(SELECT array_agg(c.relname::text) FROM pg_class c
	  WHERE c.relnamespace = 'clarky'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
		AND obj_description(c.oid, 'pg_class') IS NULL),
	NULL, 'every table in schema clarky has a comment');
SELECT is(
	(SELECT array_agg(t.typname::text) FROM pg_type t
	  WHERE t.typnamespace = 'clarky'::regnamespace
		AND t.typcategory <> 'A'							-- implicit array types
		AND NOT (t.typtype = 'c' AND t.typrelid <> 0
				 AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c') -- row types
		AND obj_description(t.oid, 'pg_type') IS NULL),
	NULL, 'every type in schema clarky has a comment');
SELECT cmp_ok(
	(SELECT count(*) FROM pg_type t WHERE t.typnamespace = 'clarky'::regnamespace
		AND t.typtype = 'e' AND obj_description(t.oid, 'pg_type') IS NOT NULL),
	'=', 1::bigint, 'the enum clarky.activity_type has its comment');
SELECT is(
	(SELECT array_agg(c.relname || '.' || a.attname) FROM pg_attribute a
	   JOIN pg_class c ON c.oid = a.attrelid
	  WHERE c.relnamespace = 'clarky'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
		AND a.attnum > 0 AND NOT a.attisdropped
		AND col_description(a.attrelid, a.attnum) IS NULL),
	NULL, 'every column in schema clarky has a comment');
SELECT cmp_ok(
	(SELECT count(*) FROM pg_attribute a
	  WHERE a.attrelid = 'clarky.activities'::regclass AND a.attnum > 0
		AND col_description(a.attrelid, a.attnum) IS NOT NULL),
	'=', 20::bigint, 'all twenty columns of clarky.activities have comments');
SELECT is(
	(SELECT array_agg(conname::text) FROM pg_constraint
	  WHERE connamespace = 'clarky'::regnamespace
		AND obj_description(oid, 'pg_constraint') IS NULL),
	NULL, 'every constraint in schema clarky has a comment');
SELECT is(
	(SELECT array_agg(c.relname::text) FROM pg_class c
	  WHERE c.relnamespace = 'clarky'::regnamespace AND c.relkind = 'i'
		AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
		AND obj_description(c.oid, 'pg_class') IS NULL),
	NULL, 'every index in schema clarky (other than the primary key''s) has a comment');

------------------------------------------------------------------------------
-- Functions: signatures and return types
------------------------------------------------------------------------------

SELECT has_function('clarky', 'new_activity_id', ARRAY[]::text[],
	'clarky.new_activity_id() exists');
SELECT function_returns('clarky', 'new_activity_id', ARRAY[]::text[], 'text',
	'clarky.new_activity_id() returns text');
SELECT has_function('clarky', 'current_workspace', ARRAY[]::text[],
	'clarky.current_workspace() exists');
SELECT function_returns('clarky', 'current_workspace', ARRAY[]::text[], 'text',
	'clarky.current_workspace() returns text');
SELECT has_function('clarky', 'log_activity', ARRAY['jsonb'],
	'clarky.log_activity(jsonb) exists');
SELECT function_returns('clarky', 'log_activity', ARRAY['jsonb'], 'json',
	'clarky.log_activity(jsonb) returns json');
SELECT has_function('clarky', 'contact_activities',
	ARRAY['text', 'clarky.activity_type', 'integer', 'integer'],
	'clarky.contact_activities(text, clarky.activity_type, integer, integer) exists');
SELECT function_returns('clarky', 'contact_activities',
	ARRAY['text', 'clarky.activity_type', 'integer', 'integer'], 'json',
	'clarky.contact_activities(...) returns json');
SELECT has_function('clarky', 'company_activities',
	ARRAY['text', 'clarky.activity_type', 'integer', 'integer', 'text'],
	'clarky.company_activities(text, clarky.activity_type, integer, integer, text) exists');
SELECT function_returns('clarky', 'company_activities',
	ARRAY['text', 'clarky.activity_type', 'integer', 'integer', 'text'], 'json',
	'clarky.company_activities(...) returns json');
SELECT has_function('clarky', 'get_activity', ARRAY['text'], 'clarky.get_activity(text) exists');
SELECT function_returns('clarky', 'get_activity', ARRAY['text'], 'json',
	'clarky.get_activity(text) returns json');
SELECT function_returns('clarky', 'update_activity', ARRAY['text', 'jsonb', 'integer'], 'json',
	'clarky.update_activity(text, jsonb, integer) returns json');
SELECT function_returns('clarky', 'complete_activity', ARRAY['text', 'timestamp with time zone'], 'json',
	'clarky.complete_activity(text, timestamptz) returns json');
SELECT function_returns('clarky', 'reopen_activity', ARRAY['text'], 'json',
	'clarky.reopen_activity(text) returns json');
SELECT function_returns('clarky', 'delete_activity', ARRAY['text', 'integer'], 'json',
	'clarky.delete_activity(text, integer) returns json');
SELECT function_returns('clarky', 'restore_activity', ARRAY['text'], 'json',
	'clarky.restore_activity(text) returns json');
SELECT function_returns('clarky', 'purge_deleted_activities', ARRAY['interval'], 'bigint',
	'clarky.purge_deleted_activities(interval) returns bigint');
SELECT function_returns('clarky', 'use_workspace', ARRAY['text', 'boolean'], 'text',
	'clarky.use_workspace(text, boolean) returns text');
SELECT function_returns('clarky', 'may_use_workspace', ARRAY['text'], 'boolean',
	'clarky.may_use_workspace(text) returns boolean');
SELECT function_returns('clarky', 'use_api_key', ARRAY['text'], 'text',
	'clarky.use_api_key(text) returns text');
SELECT function_returns('clarky', 'add_contact_to_company', ARRAY['text', 'text', 'boolean'], 'json',
	'clarky.add_contact_to_company(text, text, boolean) returns json');
SELECT function_returns('clarky', 'remove_contact_from_company', ARRAY['text', 'text'], 'boolean',
	'clarky.remove_contact_from_company(text, text) returns boolean');
SELECT function_returns('clarky', 'company_contacts', ARRAY['text', 'integer', 'integer'], 'json',
	'clarky.company_contacts(text, integer, integer) returns json');
SELECT function_returns('clarky', 'rebuild_activity_links', ARRAY[]::text[], 'bigint',
	'clarky.rebuild_activity_links() returns bigint');
SELECT bag_eq(
	$$SELECT p.oid::regprocedure::text AS signature, coalesce(p.proargnames, '{}') AS names,
			 coalesce(pg_get_expr(p.proargdefaults, 0), '') AS defaults
		FROM pg_proc p WHERE p.pronamespace = 'clarky'::regnamespace
		 AND p.proname IN ('new_activity_id', 'current_workspace', 'log_activity',
						   'contact_activities', 'company_activities', 'get_activity',
						   'update_activity', 'complete_activity', 'reopen_activity',
						   'delete_activity', 'restore_activity', 'purge_deleted_activities',
						   'use_workspace', 'may_use_workspace', 'use_api_key',
						   'add_contact_to_company', 'remove_contact_from_company', 'company_contacts')$$,
	$$VALUES ('clarky.new_activity_id()', '{}'::text[], ''),
			 ('clarky.current_workspace()', '{}', ''),
			 ('clarky.log_activity(jsonb)', '{payload}', ''),
			 ('clarky.contact_activities(text,clarky.activity_type,integer,integer)',
			  '{contact_id,activity_type,page,page_size}', 'NULL::clarky.activity_type, 1, 25'),
			 ('clarky.company_activities(text,clarky.activity_type,integer,integer,text)',
			  '{company_id,activity_type,page,page_size,scope}', 'NULL::clarky.activity_type, 1, 25, ''all''::text'),
			 ('clarky.get_activity(text)', '{id}', ''),
			 ('clarky.update_activity(text,jsonb,integer)', '{id,patch,expected_version}', 'NULL::integer'),
			 ('clarky.complete_activity(text,timestamp with time zone)', '{id,completed_at}', 'now()'),
			 ('clarky.reopen_activity(text)', '{id}', ''),
			 ('clarky.delete_activity(text,integer)', '{id,expected_version}', 'NULL::integer'),
			 ('clarky.restore_activity(text)', '{id}', ''),
			 ('clarky.purge_deleted_activities(interval)', '{older_than}', ''),
			 ('clarky.use_workspace(text,boolean)', '{workspace_id,is_local}', 'false'),
			 ('clarky.may_use_workspace(text)', '{workspace_id}', ''),
			 ('clarky.use_api_key(text)', '{api_key}', ''),
			 ('clarky.add_contact_to_company(text,text,boolean)', '{contact_id,company_id,backfill}', 'false'),
			 ('clarky.remove_contact_from_company(text,text)', '{contact_id,company_id}', ''),
			 ('clarky.company_contacts(text,integer,integer)', '{company_id,page,page_size}', '1, 25')$$,
	'the functions have the documented parameter names and defaults (type NULL, page 1, page_size 25, scope all, expected_version NULL, completed_at now(), is_local false, backfill false)');
SELECT bag_eq(
	$$SELECT p.proname::text, p.provolatile::text FROM pg_proc p
	   WHERE p.pronamespace = 'clarky'::regnamespace
		 AND p.proname IN ('new_activity_id', 'current_workspace', 'log_activity',
						   'contact_activities', 'company_activities', 'get_activity',
						   'update_activity', 'complete_activity', 'reopen_activity',
						   'delete_activity', 'restore_activity', 'purge_deleted_activities',
						   'use_workspace', 'may_use_workspace', 'use_api_key',
						   'add_contact_to_company', 'remove_contact_from_company', 'company_contacts')$$,
	$$VALUES ('new_activity_id', 'v'), ('current_workspace', 's'), ('log_activity', 'v'),
			 ('contact_activities', 's'), ('company_activities', 's'), ('get_activity', 's'),
			 ('update_activity', 'v'), ('complete_activity', 'v'), ('reopen_activity', 'v'),
			 ('delete_activity', 'v'), ('restore_activity', 'v'), ('purge_deleted_activities', 'v'),
			 ('use_workspace', 'v'), ('may_use_workspace', 's'), ('use_api_key', 'v'),
			 ('add_contact_to_company', 'v'), ('remove_contact_from_company', 'v'),
			 ('company_contacts', 's')$$,
	'the writers, the binders and new_activity_id are VOLATILE, the readers (get_activity too) STABLE');

------------------------------------------------------------------------------
-- The tables of 1.3.0: links and memberships, led by workspace_id
------------------------------------------------------------------------------

SELECT columns_are('clarky', 'activity_links',
	ARRAY['workspace_id', 'owner_kind', 'owner_id', 'activity_id', 'occurred_at', 'activity_type'],
	'clarky.activity_links has exactly its six columns');
SELECT col_is_pk('clarky', 'activity_links',
	ARRAY['workspace_id', 'owner_kind', 'owner_id', 'occurred_at', 'activity_id'],
	'the links'' primary key is (workspace_id, owner_kind, owner_id, occurred_at, activity_id): a timeline road''s order');
SELECT is(
	(SELECT pg_get_indexdef(conindid) FROM pg_constraint WHERE conname = 'activity_links_pkey'),
	'CREATE UNIQUE INDEX activity_links_pkey ON clarky.activity_links USING btree (workspace_id, owner_kind, owner_id, occurred_at, activity_id) INCLUDE (activity_type)',
	'and carries the type, for filtered pages from the index alone');
SELECT is(
	(SELECT count(*)::int FROM pg_constraint WHERE conrelid = 'clarky.activity_links'::regclass AND contype = 'f'),
	0, 'a link has no foreign key: written from its activity''s row, in the same transaction');
SELECT columns_are('clarky', 'company_memberships',
	ARRAY['workspace_id', 'company_id', 'contact_id', 'added_at'],
	'clarky.company_memberships has exactly its four columns');
SELECT col_is_pk('clarky', 'company_memberships', ARRAY['workspace_id', 'company_id', 'contact_id'],
	'the memberships'' primary key is (workspace_id, company_id, contact_id)');
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_index i
	   JOIN pg_class c ON c.oid = i.indexrelid
	  WHERE i.indrelid IN ('clarky.activity_links'::regclass, 'clarky.company_memberships'::regclass)
		AND (SELECT attname FROM pg_attribute WHERE attrelid = i.indrelid AND attnum = i.indkey[0])
			<> 'workspace_id'),
	NULL, 'every index of the links and the memberships leads with workspace_id (co-located under Citus)');
SELECT bag_eq(
	$$SELECT pg_get_indexdef(indexrelid) FROM pg_index
	   WHERE indrelid IN ('clarky.activity_links'::regclass, 'clarky.company_memberships'::regclass)
		 AND NOT indisprimary$$,
	$$VALUES ('CREATE INDEX company_memberships_contact ON clarky.company_memberships USING btree (workspace_id, contact_id, company_id)')$$,
	'the links need no index but their key; memberships are found by contact too');
SELECT is(
	(SELECT array_agg(relname::text ORDER BY relname) FROM pg_class
	  WHERE oid IN ('clarky.activity_links'::regclass, 'clarky.company_memberships'::regclass)
		AND relrowsecurity),
	ARRAY['activity_links', 'company_memberships'], 'both have row-level security enabled');
SELECT is(
	(SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_trigger t
	   JOIN pg_class c ON c.oid = t.tgrelid
	  WHERE t.tgrelid IN ('clarky.activity_links'::regclass, 'clarky.company_memberships'::regclass)
		AND NOT t.tgisinternal),
	NULL, 'and no trigger: the C functions write them');
SELECT is(
	(SELECT array_agg(extcondition IS NOT NULL ORDER BY 1) FROM pg_extension,
		 unnest(extconfig) AS cfg(oid)
	  WHERE extname = 'clarky_activity'
		AND cfg.oid IN ('clarky.activity_links'::regclass, 'clarky.company_memberships'::regclass)),
	ARRAY[true, true], 'pg_dump keeps the rows of both');

SELECT * FROM finish();
ROLLBACK;
