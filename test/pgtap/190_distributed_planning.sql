-- 190_distributed_planning.sql: every statement the C code prepares can be
-- planned by Citus (src/plans.c).  Under Citus, a statement that touches
-- two of the tables distributed by workspace cannot have a generic plan;
-- with distributed planning on, a read that does gets custom plans, and a
-- write touches one table.  clarky_prepared_statements() prepares every
-- statement of the C code and lists each with the distributed tables it
-- touches.  The suite runs this file twice (scripts/test.sh): on one node,
-- and with clarky.distributed_planning = on given at connection start, in
-- which every other file runs too.
BEGIN;
SELECT plan(12);

SET LOCAL search_path = public, pg_catalog;

CREATE FUNCTION prepared_statements()
	RETURNS TABLE (statement text, tables text[], writes boolean, plan text)
	LANGUAGE c AS '$libdir/clarky_activity', 'clarky_prepared_statements';
COMMENT ON FUNCTION prepared_statements() IS
	'Every statement the C code prepares, with the distributed tables it touches (test only)';

-- This session's planning, as the library decides it: on where set so, or
-- left to auto with the citus extension installed
CREATE FUNCTION distributed() RETURNS boolean LANGUAGE sql AS $$
	SELECT current_setting('clarky.distributed_planning') = 'on'
		OR (current_setting('clarky.distributed_planning') = 'auto'
			AND EXISTS (SELECT FROM pg_extension WHERE extname = 'citus'))
$$;

CREATE TEMP TABLE ps AS SELECT * FROM prepared_statements();

------------------------------------------------------------------------------
-- The list
------------------------------------------------------------------------------

SELECT cmp_ok((SELECT count(*) FROM ps), '>', 100::bigint,
	'every module''s statements are listed');
SELECT is((SELECT count(DISTINCT statement) FROM ps), (SELECT count(*) FROM ps),
	'each statement is prepared once');
SELECT is((SELECT count(*) FROM prepared_statements()), (SELECT count(*) FROM ps),
	'a second call prepares nothing more');
SELECT is((SELECT array_agg(DISTINCT t ORDER BY t) FROM ps, unnest(tables) AS t),
	ARRAY['activities', 'activity_counts', 'activity_links', 'company_memberships'],
	'the statements touch the four distributed tables, and no other table counts');
SELECT is((SELECT count(*) FROM ps WHERE statement !~ 'clarky\.'), 0::bigint,
	'every statement names its objects with their schema');

------------------------------------------------------------------------------
-- The rule
------------------------------------------------------------------------------

SELECT is((SELECT count(*) FROM ps WHERE writes AND cardinality(tables) > 1),
	CASE WHEN distributed() THEN 0 ELSE 2 END::bigint,
	'under distributed planning no write touches two distributed tables (on one node the log''s two inserts do)');
SELECT is((SELECT count(*) FROM ps
		   WHERE writes AND cardinality(tables) > 1
			 AND statement !~ '^INSERT INTO clarky\.activities \('),
	0::bigint,
	'on one node too, the only writes touching two are the log''s inserts');
SELECT cmp_ok((SELECT count(*) FROM ps WHERE NOT writes AND cardinality(tables) > 1), '>=', 30::bigint,
	'the timelines'' reads touch two or three (their roads and kept totals)');
SELECT is((SELECT count(*) FROM ps WHERE (plan = 'custom') <> (distributed() AND cardinality(tables) > 1)),
	0::bigint,
	'custom plans exactly for reads of more than one distributed table under distributed planning');
SELECT is((SELECT count(*) FROM ps WHERE plan NOT IN ('generic', 'custom')), 0::bigint,
	'every plan is generic or custom');

------------------------------------------------------------------------------
-- The log's shapes
------------------------------------------------------------------------------

SELECT is((SELECT array_agg(tables::text ORDER BY tables::text) FROM ps
		   WHERE statement ~ '^INSERT INTO clarky\.activities \('),
	CASE WHEN distributed() THEN ARRAY['{activities}']
		ELSE ARRAY['{activities,company_memberships}', '{activities,company_memberships}'] END,
	'the log inserts the activity alone under distributed planning, with its membership lookup on one node');

SELECT set_config('clarky.workspace_id', 'ws_planning', true) \g /dev/null
SELECT clarky.add_contact_to_company('c_planning', 'co_planning') \g /dev/null
SELECT clarky.log_activity('{"activity_type": "call", "title": "Planned", "contact_id": "c_planning"}') \g /dev/null
SELECT is(clarky.company_activities('co_planning')::jsonb #>> '{data,0,title}', 'Planned',
	'either way, a contact''s log reaches the company its contact belongs to');

SELECT * FROM finish();
ROLLBACK;
