-- test/upgrade/catalog.sql: the catalog of clarky_activity in the current
-- database, as sorted lines "SECTION: text" (psql -At), for comparing an
-- upgraded database with a fresh install.  Nothing in it depends on OIDs,
-- data or the database's name.  (The definitions themselves are compared
-- through pg_dump, by upgrade_test.sh.)
--
--   extension    version, relocatable, schema, configuration tables
--   members      every member object (pg_depend deptype 'e')
--   columns      every column of the extension's tables, in order, with
--                type, collation, NOT NULL, default, identity, generated
--   constraints  every constraint of the extension's tables and types
--   indexes      pg_indexes, and each index's validity
--   triggers     every trigger of the extension's tables, enabled or not
--   policies     pg_policies, and each table's row-level security flags
--   acl          every ACL of a member, schema, column or type, and every
--                initial privilege recorded for the extension (pg_init_privs)
--   comments     every comment on the extension, its schemas, its members
--                and their columns, constraints, indexes, triggers, policies
--   uncommented  the objects of the comments section that have no comment

SET client_min_messages = warning;

CREATE TEMP VIEW catalog_nsp AS
SELECT oid, nspname FROM pg_namespace WHERE nspname IN ('clarky', 'clarky_api');

CREATE TEMP VIEW catalog_members AS
SELECT d.classid, d.objid, d.objsubid
FROM pg_depend AS d
JOIN pg_extension AS e ON d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid
WHERE e.extname = 'clarky_activity' AND d.deptype = 'e';

CREATE TEMP VIEW catalog_tables AS
SELECT c.oid FROM pg_class AS c
WHERE c.relnamespace IN (SELECT oid FROM catalog_nsp) AND c.relkind IN ('r', 'p', 'v', 'm', 'f');

-- every object whose comment matters: the extension, its schemas, members,
-- columns, constraints, indexes, triggers, policies (class, objid, subid)
CREATE TEMP VIEW catalog_commentable AS
SELECT 'pg_extension'::regclass AS classid, oid AS objid, 0 AS objsubid
FROM pg_extension WHERE extname = 'clarky_activity'
UNION
SELECT 'pg_namespace'::regclass, oid, 0 FROM catalog_nsp
UNION
SELECT classid, objid, objsubid FROM catalog_members
UNION
SELECT 'pg_class'::regclass, a.attrelid, a.attnum FROM pg_attribute AS a
WHERE a.attrelid IN (SELECT oid FROM catalog_tables) AND a.attnum > 0 AND NOT a.attisdropped
UNION
SELECT 'pg_constraint'::regclass, oid, 0 FROM pg_constraint
WHERE conrelid IN (SELECT oid FROM catalog_tables)
   OR contypid IN (SELECT oid FROM pg_type WHERE typnamespace IN (SELECT oid FROM catalog_nsp))
UNION
SELECT 'pg_class'::regclass, indexrelid, 0 FROM pg_index
WHERE indrelid IN (SELECT oid FROM catalog_tables)
  AND NOT EXISTS (SELECT FROM pg_constraint WHERE conindid = indexrelid)	-- (commented as the constraint)
UNION
SELECT 'pg_trigger'::regclass, oid, 0 FROM pg_trigger
WHERE tgrelid IN (SELECT oid FROM catalog_tables) AND NOT tgisinternal
UNION
SELECT 'pg_policy'::regclass, oid, 0 FROM pg_policy WHERE polrelid IN (SELECT oid FROM catalog_tables);

SELECT line FROM (
	SELECT format('extension: version %s, relocatable %s, schema %s, configuration %s %s',
				  e.extversion, e.extrelocatable, e.extnamespace::regnamespace,
				  e.extconfig::regclass[], e.extcondition) AS line, 1 AS section
	FROM pg_extension AS e WHERE e.extname = 'clarky_activity'

	UNION ALL
	SELECT 'members: ' || pg_describe_object(classid, objid, objsubid), 2 FROM catalog_members

	UNION ALL
	SELECT format('columns: %s %s. %s %s collate %s%s%s%s%s',
				  a.attrelid::regclass, lpad((row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum))::text, 2, '0'),
				  a.attname, format_type(a.atttypid, a.atttypmod),
				  coalesce((SELECT quote_ident(collname) FROM pg_collation WHERE oid = a.attcollation), '-'),
				  CASE WHEN a.attnotnull THEN ' not null' ELSE '' END,
				  coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), ''),
				  CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END,
				  CASE WHEN a.attgenerated <> '' THEN ' generated ' || a.attgenerated::text ELSE '' END), 3
	FROM pg_attribute AS a
	LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
	WHERE a.attrelid IN (SELECT oid FROM catalog_tables) AND a.attnum > 0 AND NOT a.attisdropped

	UNION ALL
	SELECT format('constraints: %s %s %s%s%s', coalesce(c.conrelid::regclass::text, c.contypid::regtype::text),
				  c.conname, pg_get_constraintdef(c.oid),
				  CASE WHEN c.condeferrable THEN ' deferrable' ELSE '' END,
				  CASE WHEN NOT c.convalidated THEN ' NOT VALID' ELSE '' END), 4
	FROM pg_constraint AS c
	WHERE c.conrelid IN (SELECT oid FROM catalog_tables)
	   OR c.contypid IN (SELECT oid FROM pg_type WHERE typnamespace IN (SELECT oid FROM catalog_nsp))

	UNION ALL
	SELECT format('indexes: %s %s', i.indexdef,
				  CASE WHEN x.indisvalid AND x.indisready THEN 'valid' ELSE 'INVALID' END), 5
	FROM pg_indexes AS i
	JOIN pg_index AS x ON x.indexrelid = format('%I.%I', i.schemaname, i.indexname)::regclass
	WHERE i.schemaname IN ('clarky', 'clarky_api')

	UNION ALL
	SELECT format('triggers: %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled), 6
	FROM pg_trigger AS t
	WHERE t.tgrelid IN (SELECT oid FROM catalog_tables) AND NOT t.tgisinternal

	UNION ALL
	SELECT format('policies: %s.%s %s %s %s to %s using (%s) with check (%s)',
				  p.schemaname, p.tablename, p.policyname, p.permissive, p.cmd, p.roles, p.qual, p.with_check), 7
	FROM pg_policies AS p WHERE p.schemaname IN ('clarky', 'clarky_api')
	UNION ALL
	SELECT format('policies: %s row level security %s, forced %s', c.oid::regclass,
				  c.relrowsecurity, c.relforcerowsecurity), 7
	FROM pg_class AS c WHERE c.oid IN (SELECT oid FROM catalog_tables)

	UNION ALL
	SELECT format('acl: function %s %s', p.oid::regprocedure, p.proacl), 8
	FROM pg_proc AS p WHERE p.pronamespace IN (SELECT oid FROM catalog_nsp)
	UNION ALL
	SELECT format('acl: relation %s %s', c.oid::regclass, c.relacl), 8
	FROM pg_class AS c WHERE c.relnamespace IN (SELECT oid FROM catalog_nsp)
	UNION ALL
	SELECT format('acl: column %s.%s %s', a.attrelid::regclass, a.attname, a.attacl), 8
	FROM pg_attribute AS a
	WHERE a.attrelid IN (SELECT oid FROM catalog_tables) AND a.attacl IS NOT NULL
	UNION ALL
	SELECT format('acl: schema %s %s', n.nspname, n.nspacl), 8
	FROM pg_namespace AS n WHERE n.oid IN (SELECT oid FROM catalog_nsp)
	UNION ALL
	SELECT format('acl: type %s %s', t.oid::regtype, t.typacl), 8
	FROM pg_type AS t WHERE t.typnamespace IN (SELECT oid FROM catalog_nsp)
	UNION ALL
	SELECT format('acl: initial privileges (%s) of %s %s: %s', ip.privtype, o.type, o.identity, ip.initprivs), 8
	FROM pg_init_privs AS ip
	CROSS JOIN LATERAL pg_identify_object(ip.classoid, ip.objoid, ip.objsubid) AS o
	WHERE o.schema IN ('clarky', 'clarky_api')
	   OR (o.type = 'schema' AND o.identity IN ('clarky', 'clarky_api'))
	   OR o.identity ~ '^clarky(_api)?\.'

	UNION ALL
	SELECT format('comments: %s %s: %s', o.type, o.identity, replace(d.description, E'\n', '\n')), 9
	FROM catalog_commentable AS x
	JOIN pg_description AS d ON d.classoid = x.classid AND d.objoid = x.objid AND d.objsubid = x.objsubid
	CROSS JOIN LATERAL pg_identify_object(x.classid, x.objid, x.objsubid) AS o

	UNION ALL
	SELECT format('uncommented: %s %s', o.type, o.identity), 10
	FROM catalog_commentable AS x
	CROSS JOIN LATERAL pg_identify_object(x.classid, x.objid, x.objsubid) AS o
	WHERE NOT EXISTS (SELECT FROM pg_description AS d
					  WHERE d.classoid = x.classid AND d.objoid = x.objid AND d.objsubid = x.objsubid)
) AS lines
ORDER BY section, line COLLATE "C";
