-- 180_tags.sql: one activity on many contacts and companies (1.3.0):
-- contact_ids and company_ids on log and patch, the primary ones, their
-- errors; which contacts belong to which companies, with and without a
-- backfill; a company's timeline through its people, scope all and direct;
-- totals that count each activity once whatever road it comes by; and
-- updates, deletes and restores of tagged activities moving every timeline.
--
-- After each step every timeline (every contact and company ever named,
-- both scopes, untyped and per type) is compared, page and total, with a
-- recount from the rows in plain SQL: reference_problems() lists what
-- differs.
BEGIN;
SELECT plan(166);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';
SELECT set_config('clarky.workspace_id', 'ws_tags', true) \g /dev/null

------------------------------------------------------------------------------
-- Helpers (dropped with the transaction)
------------------------------------------------------------------------------

\ir include/render.psql
\ir include/acts.psql
\ir include/activity_life.psql
\ir include/timeline.psql

-- Log payload under name; its response
CREATE FUNCTION act(name text, payload jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	response jsonb := clarky.log_activity(payload);
BEGIN
	INSERT INTO acts VALUES (name, response -> 'data' ->> 'id');
	RETURN response;
END
$$;

-- Patch the activity of that name; its response
CREATE FUNCTION patch(name text, p jsonb) RETURNS jsonb LANGUAGE sql AS $$
	SELECT clarky.update_activity(id_of(name), p)::jsonb
$$;

-- The contact and company lists an activity renders
CREATE FUNCTION lists(name text) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object('contact_ids', r -> 'contact_ids', 'company_ids', r -> 'company_ids')
	  FROM (SELECT (clarky.get_activity(id_of(name)) -> 'data')::jsonb AS r) AS g
$$;

-- The names on a timeline (the whole of it, newest first)
CREATE FUNCTION names_on(kind text, owner text, scope text DEFAULT 'all') RETURNS text[]
LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(a.name ORDER BY o), '{}')
	  FROM json_array_elements(
			CASE kind WHEN 'contact' THEN clarky.contact_activities(owner, NULL, 1, 100)
					  ELSE clarky.company_activities(owner, NULL, 1, 100, scope) END -> 'data')
			WITH ORDINALITY AS x(e, o)
	  JOIN acts a ON a.id = e ->> 'id'
$$;

CREATE FUNCTION total_of(kind text, owner text, scope text DEFAULT 'all') RETURNS int
LANGUAGE sql STABLE AS $$
	SELECT (CASE kind WHEN 'contact' THEN clarky.contact_activities(owner, NULL, 1, 1)
					  ELSE clarky.company_activities(owner, NULL, 1, 1, scope) END
			-> 'pagination' ->> 'total')::int
$$;

-- The plain-SQL reference: the live activities of the workspace on a
-- timeline, newest first
CREATE FUNCTION reference_ids(kind text, owner text, scope text, type clarky.activity_type)
RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(a.id ORDER BY a.occurred_at DESC, a.id DESC), '{}')
	  FROM clarky.activities a
	 WHERE a.workspace_id = clarky.current_workspace() AND a.deleted_at IS NULL
	   AND (type IS NULL OR a.activity_type = type)
	   AND CASE kind
			WHEN 'contact' THEN a.contact_id = owner OR owner = ANY (a.other_contact_ids)
			ELSE a.company_id = owner OR owner = ANY (a.other_company_ids)
				 OR (scope = 'all' AND owner = ANY (a.via_company_ids)) END
$$;

-- Every timeline that differs from the reference: page (of 3) or total;
-- and every link missing or left over (a live activity has one per other
-- contact, other company and company reached through people; no other)
CREATE FUNCTION reference_problems() RETURNS text[] LANGUAGE sql STABLE AS $$
	WITH derived AS (
		SELECT a.workspace_id, o.kind AS owner_kind, o.id AS owner_id, a.id AS activity_id,
			   a.occurred_at, a.activity_type
		  FROM clarky.activities a
		 CROSS JOIN LATERAL (
			SELECT 'contact', c FROM unnest(a.other_contact_ids) AS c
			UNION ALL SELECT 'company', c FROM unnest(a.other_company_ids) AS c
			UNION ALL SELECT 'via_company', c FROM unnest(a.via_company_ids) AS c) AS o (kind, id)
		 WHERE a.workspace_id = clarky.current_workspace() AND a.deleted_at IS NULL
	), stored AS (
		SELECT workspace_id, owner_kind, owner_id, activity_id, occurred_at, activity_type
		  FROM clarky.activity_links WHERE workspace_id = clarky.current_workspace()
	), link_problems AS (
		SELECT format('missing link %s', m) AS problem FROM (SELECT * FROM derived EXCEPT ALL SELECT * FROM stored) AS m
		UNION ALL
		SELECT format('stale link %s', m) FROM (SELECT * FROM stored EXCEPT ALL SELECT * FROM derived) AS m
	), owners AS (
		SELECT DISTINCT 'contact' AS kind, c AS owner FROM clarky.activities,
			unnest(other_contact_ids || contact_id) AS c
		 WHERE workspace_id = clarky.current_workspace() AND c IS NOT NULL
		UNION
		SELECT DISTINCT 'company', c FROM clarky.activities,
			unnest(other_company_ids || via_company_ids || company_id) AS c
		 WHERE workspace_id = clarky.current_workspace() AND c IS NOT NULL
		UNION
		SELECT DISTINCT 'company', company_id FROM clarky.company_memberships
		 WHERE workspace_id = clarky.current_workspace()
	), views AS (
		SELECT o.kind, o.owner, s.scope, t.type
		  FROM owners o
		 CROSS JOIN (VALUES ('all'), ('direct')) AS s(scope)
		 CROSS JOIN (SELECT NULL::clarky.activity_type AS type
					 UNION ALL SELECT unnest(enum_range(NULL::clarky.activity_type))) AS t
		 WHERE o.kind = 'company' OR s.scope = 'all'
	), read AS (
		SELECT v.*, reference_ids(v.kind, v.owner, v.scope, v.type) AS want,
			   CASE v.kind WHEN 'contact' THEN clarky.contact_activities(v.owner, v.type, p.page, 3)
					ELSE clarky.company_activities(v.owner, v.type, p.page, 3, v.scope) END AS got,
			   p.page
		  FROM views v CROSS JOIN generate_series(1, 4) AS p(page)
	)
	SELECT array_agg(problem) FROM (
		SELECT format('%s %s (%s, %s) page %s: %s', kind, owner, scope, coalesce(type::text, 'any'),
					  page, got::text) AS problem
		  FROM read
		 WHERE ids_of(got) IS DISTINCT FROM coalesce(want[(page - 1) * 3 + 1:page * 3], '{}')
			OR (got -> 'pagination' ->> 'total')::int <> cardinality(want)
		UNION ALL
		SELECT problem FROM link_problems) AS p
$$;

------------------------------------------------------------------------------
-- Tagging on log: the primary ones and the lists
------------------------------------------------------------------------------

SELECT is(act('meet', '{"activity_type": "meeting", "title": "meet", "contact_ids": ["c_1", "c_2", "c_3"],
		"company_ids": ["co_1", "co_2"], "occurred_at": "2026-01-10T00:00:00Z"}') #>> '{data,contact_id}',
	'c_1', 'given only contact_ids, the first is the primary contact');
SELECT is((SELECT clarky.get_activity(id_of('meet')) #>> '{data,company_id}'), 'co_1',
	'given only company_ids, the first is the primary company');
SELECT is(lists('meet'), '{"contact_ids": ["c_1", "c_2", "c_3"], "company_ids": ["co_1", "co_2"]}',
	'the lists render as given, primary first');
SELECT is((SELECT ARRAY[contact_id, company_id] || other_contact_ids || other_company_ids
		   FROM clarky.activities WHERE id = id_of('meet')),
	ARRAY['c_1', 'co_1', 'c_2', 'c_3', 'co_2'],
	'stored: the primary ones in contact_id and company_id, the others beside them');
SELECT is(keys_of(clarky.get_activity(id_of('meet')) -> 'data'),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description', 'due_date',
		  'duration_minutes', 'completed_at', 'metadata', 'created_at', 'occurred_at', 'owner_id',
		  'updated_at', 'version', 'contact_ids', 'company_ids'],
	'contact_ids and company_ids come after the keys of 1.1.0');

SELECT is(act('added', '{"activity_type": "call", "title": "added", "contact_id": "c_9", "contact_ids": ["c_1", "c_2"],
		"occurred_at": "2026-01-09T00:00:00Z"}') #> '{data,contact_ids}',
	'["c_9", "c_1", "c_2"]'::jsonb,
	'given contact_id and contact_ids without it, the primary is added in front');
SELECT is(act('moved', '{"activity_type": "call", "title": "moved", "contact_id": "c_2", "contact_ids": ["c_1", "c_2", "c_3"],
		"company_id": "co_2", "company_ids": ["co_1", "co_2"], "occurred_at": "2026-01-08T00:00:00Z"}') -> 'data'
		-> 'contact_ids', '["c_2", "c_1", "c_3"]',
	'given the primary inside the list, it moves to the front');
SELECT is(lists('moved') -> 'company_ids', '["co_2", "co_1"]', 'companies alike');
SELECT is(act('same', '{"activity_type": "note", "title": "same", "contact_id": "c_1", "contact_ids": ["c_1"],
		"occurred_at": "2026-01-07T00:00:00Z"}')::jsonb #> '{data,contact_ids}',
	'["c_1"]', 'contact_id repeated as the only element of contact_ids is one contact');
SELECT is(act('plain', '{"activity_type": "note", "title": "plain", "contact_id": "c_3", "company_id": "co_3",
		"occurred_at": "2026-01-06T00:00:00Z"}') -> 'data' -> 'contact_ids',
	'["c_3"]', 'an activity of one contact and one company lists them');
SELECT is(lists('plain') -> 'company_ids', '["co_3"]', '(its company)');
SELECT is(act('co only', '{"activity_type": "task", "title": "co only", "company_ids": ["co_3"],
		"occurred_at": "2026-01-05T00:00:00Z"}')::jsonb -> 'data' -> 'contact_ids',
	'[]', 'and one without contacts has contact_ids []');
SELECT is(act('fifty', jsonb_build_object('activity_type', 'note', 'title', 'fifty',
		'contact_ids', (SELECT jsonb_agg('c_many_' || i ORDER BY i) FROM generate_series(1, 50) AS i),
		'company_ids', (SELECT jsonb_agg('co_many_' || i ORDER BY i) FROM generate_series(1, 50) AS i),
		'occurred_at', '2026-01-04T00:00:00Z')) #>> '{data,contact_id}',
	'c_many_1', 'fifty contacts and fifty companies are accepted');
SELECT is(ARRAY[total_of('contact', 'c_many_50'), total_of('company', 'co_many_50', 'direct')], ARRAY[1, 1],
	'and the fiftieth of each lists it');

SELECT is(names_on('contact', 'c_1'), ARRAY['meet', 'added', 'moved', 'same'],
	'a contact''s timeline lists every activity it is tagged on, primary or not, newest first');
SELECT is(names_on('contact', 'c_2'), ARRAY['meet', 'added', 'moved'],
	'so does that of a contact that is never the first');
SELECT is(ARRAY[total_of('contact', 'c_1'), total_of('contact', 'c_2'), total_of('contact', 'c_3')],
	ARRAY[4, 3, 3], 'each total counts each activity once');
SELECT is(names_on('company', 'co_2', 'direct'), ARRAY['meet', 'moved'],
	'a company''s direct timeline lists every activity it is tagged on');
SELECT is(totals('contact', 'c_2', 'meeting'), ARRAY[1, 1, 1],
	'the type-filtered timeline of a tagged contact counts its tagged meeting');
SELECT is(reference_problems(), NULL, 'every timeline, page and total equals the plain-SQL recount');

------------------------------------------------------------------------------
-- Refused lists: the element named, nothing written
------------------------------------------------------------------------------

SELECT refuses(format('SELECT clarky.log_activity(%L)', p), state, message, field, what)
FROM (VALUES
	('contact_ids a string', '{"activity_type": "note", "contact_ids": "c_1"}', '22023',
	 'field "contact_ids" must be an array of ids', 'contact_ids'),
	('company_ids an object', '{"activity_type": "note", "contact_id": "c_1", "company_ids": {"a": 1}}', '22023',
	 'field "company_ids" must be an array of ids', 'company_ids'),
	('an element a number', '{"activity_type": "note", "contact_ids": ["c_1", "c_2", "c_3", 4]}', '22023',
	 'field "contact_ids[3]" must be a string', 'contact_ids[3]'),
	('an element null', '{"activity_type": "note", "company_ids": [null]}', '22023',
	 'field "company_ids[0]" must be a string', 'company_ids[0]'),
	('an element empty', '{"activity_type": "note", "contact_ids": ["c_1", ""]}', '22023',
	 'field "contact_ids[1]" must not be empty', 'contact_ids[1]'),
	('an element repeated', '{"activity_type": "note", "contact_ids": ["c_1", "c_2", "c_1"]}', '22023',
	 'field "contact_ids[2]" repeats contact_ids[0]', 'contact_ids[2]'),
	('contact_ids [] and no company', '{"activity_type": "note", "contact_ids": []}', '23514',
	 'field "contact_id" or "company_id" is required', 'contact_id'),
	('both lists empty', '{"activity_type": "note", "contact_ids": [], "company_ids": []}', '23514',
	 'field "contact_id" or "company_id" is required', 'contact_id')
) AS t(what, p, state, message, field);

SELECT refuses(format('SELECT clarky.log_activity(%L)', jsonb_build_object('activity_type', 'note',
		'contact_ids', jsonb_build_array('c_1', repeat('x', 256)))),
	'22001', 'field "contact_ids[1]" is too long', 'contact_ids[1]', 'an element longer than 255 characters');
SELECT refuses(format('SELECT clarky.log_activity(%L)', jsonb_build_object('activity_type', 'note',
		'contact_ids', (SELECT jsonb_agg('c_' || i) FROM generate_series(1, 51) AS i))),
	'54000', 'field "contact_ids" has too many ids', 'contact_ids', 'fifty-one contacts');
SELECT refuses(format('SELECT clarky.log_activity(%L)', jsonb_build_object('activity_type', 'note',
		'company_id', 'co_extra',
		'company_ids', (SELECT jsonb_agg('co_' || i) FROM generate_series(1, 50) AS i))),
	'54000', 'field "company_ids" has too many ids', 'company_ids',
	'fifty companies and a primary beyond them');

------------------------------------------------------------------------------
-- A patch of the lists
------------------------------------------------------------------------------

SELECT is(patch('plain', '{"contact_ids": ["c_4", "c_5"]}') #> '{data,contact_ids}',
	'["c_4", "c_5"]', 'a patch of contact_ids replaces the set');
SELECT is((SELECT contact_id FROM clarky.activities WHERE id = id_of('plain')), 'c_4', 'its first is the primary');
SELECT is(names_on('contact', 'c_3'), ARRAY['meet', 'moved'], 'the old contact''s timeline lets it go');
SELECT is(names_on('contact', 'c_5'), ARRAY['plain'], 'and the new one''s lists it');
SELECT is(patch('plain', '{"contact_id": "c_5"}')::jsonb #> '{data,contact_ids}', '["c_5"]',
	'contact_id alone replaces the primary: the old primary leaves, the new one moves to the front');
SELECT is(patch('plain', '{"contact_ids": ["c_6", "c_7", "c_8"], "contact_id": "c_7"}')::jsonb #> '{data,contact_ids}',
	'["c_7", "c_6", "c_8"]', 'contact_ids with contact_id: contact_id is the primary');
SELECT is(patch('plain', '{"contact_id": null}') #> '{data,contact_ids}',
	'["c_6", "c_8"]', 'contact_id null promotes the first of the others');
SELECT is(clarky.get_activity(id_of('plain')) #>> '{data,contact_id}', 'c_6', '(the new primary)');
SELECT is((patch('plain', '{"contact_ids": []}') -> 'data') - ARRAY['id', 'activity_type', 'title', 'description',
		'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at', 'occurred_at', 'owner_id',
		'updated_at', 'version'],
	'{"contact_id": null, "company_id": "co_3", "contact_ids": [], "company_ids": ["co_3"]}',
	'contact_ids [] clears every contact (the company remains)');
SELECT is(patch('plain', '{"company_ids": ["co_4", "co_3"], "contact_ids": ["c_3"]}')::jsonb -> 'data'
		-> 'company_ids', '["co_4", "co_3"]', 'a patch of company_ids replaces the set');
SELECT is(patch('plain', '{"company_ids": null}')::jsonb #> '{data,company_ids}', '[]',
	'company_ids null clears every company (a contact remains)');
SELECT is((SELECT version FROM clarky.activities WHERE id = id_of('plain')), 8,
	'each of the seven patches made one version');
SELECT is(patch('plain', '{"contact_ids": ["c_3"]}')::jsonb #>> '{data,version}', '8',
	'a patch of the same set writes nothing');
SELECT is(reference_problems(), NULL, 'every timeline equals the recount after the patches');

SELECT refuses(format('SELECT clarky.update_activity(%L, %L)', id_of('plain'), p), state, message, field,
			   'a patch with ' || what)
FROM (VALUES
	('contact_ids [] and no company', '{"contact_ids": []}', '23514',
	 'field "contact_id" or "company_id" is required', 'contact_id'),
	('an element repeated', '{"contact_ids": ["c_1", "c_1"]}', '22023',
	 'field "contact_ids[1]" repeats contact_ids[0]', 'contact_ids[1]'),
	('an element empty', '{"company_ids": ["co_1", "co_2", ""]}', '22023',
	 'field "company_ids[2]" must not be empty', 'company_ids[2]')
) AS t(what, p, state, message, field);
SELECT refuses(format('SELECT clarky.update_activity(%L, %L)', id_of('plain'),
		jsonb_build_object('company_ids', (SELECT jsonb_agg('co_' || i) FROM generate_series(1, 51) AS i))),
	'54000', 'field "company_ids" has too many ids', 'company_ids', 'a patch of fifty-one companies');

------------------------------------------------------------------------------
-- Contacts belong to companies: attribution when written
------------------------------------------------------------------------------

SELECT is(clarky.add_contact_to_company('c_1', 'co_acme')::jsonb #- '{data,added_at}',
	'{"data": {"company_id": "co_acme", "contact_id": "c_1", "backfilled": 0}}',
	'add_contact_to_company: the membership, nothing backfilled');
SELECT is(clarky.add_contact_to_company('c_1', 'co_acme')::jsonb #- '{data,added_at}',
	'{"data": {"company_id": "co_acme", "contact_id": "c_1", "backfilled": 0}}',
	'adding it again is harmless');
SELECT is((SELECT count(*)::int FROM clarky.company_memberships WHERE company_id = 'co_acme'), 1,
	'and keeps one membership');
SELECT is(names_on('company', 'co_acme'), '{}',
	'without backfill, the contact''s past activities stay off the company');
SELECT is(act('after', '{"activity_type": "call", "title": "after", "contact_ids": ["c_2", "c_1"],
		"occurred_at": "2026-01-11T00:00:00Z"}') #> '{data,company_ids}', '[]'::jsonb,
	'a new activity on the contact (not its primary) is logged; company_ids stays what was given');
SELECT is(names_on('company', 'co_acme'), ARRAY['after'],
	'it appears on the company''s timeline (scope all, the default)');
SELECT is(names_on('company', 'co_acme', 'direct'), '{}', 'but not on its direct timeline');
SELECT is(ARRAY[total_of('company', 'co_acme'), total_of('company', 'co_acme', 'direct')], ARRAY[1, 0],
	'totals: 1 all, 0 direct');
SELECT is(names_on('company', 'co_acme', NULL), ARRAY['after'], 'scope NULL is the default, all');

SELECT is(act('both roads', '{"activity_type": "note", "title": "both roads", "contact_ids": ["c_1", "c_2"],
		"company_id": "co_acme", "occurred_at": "2026-01-12T00:00:00Z"}') #>> '{data,company_id}', 'co_acme',
	'an activity on a member, logged against the company itself too');
SELECT is(clarky.add_contact_to_company('c_2', 'co_acme')::jsonb #>> '{data,backfilled}', '0',
	'a second member joins (no backfill)');
SELECT is(act('two members', '{"activity_type": "note", "title": "two members", "contact_ids": ["c_1", "c_2"],
		"occurred_at": "2026-01-13T00:00:00Z"}') #>> '{data,contact_id}', 'c_1',
	'an activity on both members');
SELECT is(names_on('company', 'co_acme'), ARRAY['two members', 'both roads', 'after'],
	'each appears once on the company, whatever roads lead there');
SELECT is(totals('company', 'co_acme'), ARRAY[3, 3, 3], 'and the total counts each once');
SELECT is(names_on('company', 'co_acme', 'direct'), ARRAY['both roads'],
	'the direct timeline has only what was logged against the company');
SELECT is((SELECT via_company_ids FROM clarky.activities WHERE id = id_of('both roads')), '{}'::text[],
	'(an activity''s own company is not also reached through people)');
SELECT is(reference_problems(), NULL, 'every timeline equals the recount with memberships');

SELECT is(clarky.add_contact_to_company('c_3', 'co_acme', backfill => true)::jsonb #>> '{data,backfilled}', '3',
	'with backfill, the contact''s live activities are carried onto the company (the three of c_3)');
SELECT is(names_on('company', 'co_acme'), ARRAY['two members', 'both roads', 'after', 'meet', 'moved', 'plain'],
	'they appear on its timeline, in their place');
SELECT is((SELECT version FROM clarky.activities WHERE id = id_of('meet')), 1,
	'a backfill is not an edit: versions stay');
SELECT is(clarky.add_contact_to_company('c_2', 'co_acme', true)::jsonb #>> '{data,backfilled}', '1',
	'a backfill of an existing member carries only what does not reach the company yet (added: the rest came by c_3, at write time, or is the company''s own)');
SELECT is(names_on('company', 'co_acme') @> ARRAY['added'], true, '(added is there now)');
SELECT is(clarky.add_contact_to_company('c_2', 'co_acme', true)::jsonb #>> '{data,backfilled}', '0',
	'a second backfill finds nothing more');
SELECT is(reference_problems(), NULL, 'every timeline equals the recount after the backfills');

SELECT is(clarky.remove_contact_from_company('c_1', 'co_acme'), true,
	'remove_contact_from_company says it removed one');
SELECT is(clarky.remove_contact_from_company('c_1', 'co_acme'), false, 'and then that there was none');
SELECT is(names_on('company', 'co_acme') @> ARRAY['after', 'two members'], true,
	'removing keeps what was already attributed');
SELECT is(act('gone', '{"activity_type": "note", "title": "gone", "contact_id": "c_1",
		"occurred_at": "2026-01-14T00:00:00Z"}') #>> '{data,contact_id}', 'c_1',
	'a new activity on the removed contact');
SELECT is(names_on('company', 'co_acme') @> ARRAY['gone'], false, 'does not reach the company');

------------------------------------------------------------------------------
-- A company's contacts, paginated
------------------------------------------------------------------------------

SELECT is(clarky.company_contacts('co_acme')::jsonb #- '{data,0,added_at}' #- '{data,1,added_at}',
	'{"data": [{"company_id": "co_acme", "contact_id": "c_2"}, {"company_id": "co_acme", "contact_id": "c_3"}],
	  "pagination": {"page": 1, "page_size": 25, "total": 2, "total_pages": 1}}',
	'company_contacts lists the members by contact id, with the pagination');
SELECT is(clarky.company_contacts('co_acme', 2, 1)::jsonb #- '{data,0,added_at}',
	'{"data": [{"company_id": "co_acme", "contact_id": "c_3"}],
	  "pagination": {"page": 2, "page_size": 1, "total": 2, "total_pages": 2}}',
	'page 2 of size 1');
SELECT is(clarky.company_contacts('co_acme', 3, 1)::jsonb,
	'{"data": [], "pagination": {"page": 3, "page_size": 1, "total": 2, "total_pages": 2}}',
	'a page past the end is empty with the true total');
SELECT is(clarky.company_contacts(company_id => 'co_nobody')::jsonb,
	'{"data": [], "pagination": {"page": 1, "page_size": 25, "total": 0, "total_pages": 0}}',
	'a company without members: empty');
SELECT matches(clarky.company_contacts('co_acme') #>> '{data,0,added_at}',
	'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$', 'added_at is rendered in UTC with milliseconds');

SELECT refuses(stmt, state, message, field, what)
FROM (VALUES
	('add: an empty contact_id', $$SELECT clarky.add_contact_to_company('', 'co_acme')$$, '22023',
	 'parameter "contact_id" must not be empty', 'contact_id'),
	('add: a null company_id', $$SELECT clarky.add_contact_to_company('c_1', NULL)$$, '22004',
	 'parameter "company_id" must not be null', 'company_id'),
	('add: a company_id too long', format('SELECT clarky.add_contact_to_company(%L, %L)', 'c_1', repeat('x', 256)),
	 '22001', 'parameter "company_id" is too long', 'company_id'),
	('remove: an empty company_id', $$SELECT clarky.remove_contact_from_company('c_2', '')$$, '22023',
	 'parameter "company_id" must not be empty', 'company_id'),
	('list: page 0', $$SELECT clarky.company_contacts('co_acme', 0)$$, '22023',
	 'parameter "page" must be at least 1', 'page'),
	('list: page_size 101', $$SELECT clarky.company_contacts('co_acme', 1, 101)$$, '22023',
	 'parameter "page_size" must be between 1 and 100', 'page_size'),
	('company timeline: scope bad', $$SELECT clarky.company_activities('co_acme', scope => 'everything')$$,
	 '22023', 'parameter "scope" must be all or direct', 'scope')
) AS t(what, stmt, state, message, field);

------------------------------------------------------------------------------
-- Updates, deletes and restores move every timeline
------------------------------------------------------------------------------

SELECT is(patch('two members', '{"occurred_at": "2025-12-01T00:00:00Z"}')::jsonb #>> '{data,version}', '2',
	'a tagged activity moves back in time');
SELECT is((names_on('contact', 'c_2'))[array_length(names_on('contact', 'c_2'), 1)], 'two members',
	'it is last on the timeline of a contact it is not the primary of');
SELECT is((names_on('company', 'co_acme'))[array_length(names_on('company', 'co_acme'), 1)], 'two members',
	'and on the company it reaches through people');
SELECT is(patch('two members', '{"activity_type": "todo"}')::jsonb #>> '{data,activity_type}', 'todo',
	'it changes type');
SELECT is(ARRAY[total_of('contact', 'c_2'), (clarky.contact_activities('c_2', 'todo') #>> '{pagination,total}')::int,
				(clarky.company_activities('co_acme', 'todo') #>> '{pagination,total}')::int],
	ARRAY[total_of('contact', 'c_2'), 1, 1],
	'the type-filtered timelines of its other contact and of the company follow');
SELECT is(reference_problems(), NULL, 'every timeline equals the recount after the moves');

SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', id_of('meet')), 'a tagged activity is deleted');
SELECT is(ARRAY[names_on('contact', 'c_2') @> ARRAY['meet'], names_on('contact', 'c_3') @> ARRAY['meet'],
				names_on('company', 'co_2', 'direct') @> ARRAY['meet'], names_on('company', 'co_acme') @> ARRAY['meet']],
	ARRAY[false, false, false, false], 'it leaves every timeline: its contacts'', its companies'', through people');
SELECT is((SELECT count(*)::int FROM clarky.activity_links WHERE activity_id = id_of('meet')), 0,
	'a deleted activity has no links');
SELECT is(reference_problems(), NULL, 'every timeline and total equals the recount after the delete');
SELECT lives_ok(format('SELECT clarky.restore_activity(%L)', id_of('meet')), 'and is restored');
SELECT is(ARRAY[names_on('contact', 'c_2') @> ARRAY['meet'], names_on('contact', 'c_3') @> ARRAY['meet'],
				names_on('company', 'co_2', 'direct') @> ARRAY['meet'], names_on('company', 'co_acme') @> ARRAY['meet']],
	ARRAY[true, true, true, true], 'back on every timeline it was on, through people too');
SELECT is(reference_problems(), NULL, 'every timeline and total equals the recount after the restore');

SELECT is(patch('after', '{"contact_ids": ["c_1"]}')::jsonb #> '{data,contact_ids}', '["c_1"]',
	'a patch of the contacts of an activity');
SELECT is(names_on('company', 'co_acme') @> ARRAY['after'], false,
	're-decides the companies it reaches from today''s memberships (c_1 has left co_acme, c_2 is no longer on it)');
SELECT is(patch('after', '{"contact_ids": ["c_3", "c_1"]}')::jsonb #> '{data,contact_id}', '"c_3"',
	'with a member of co_acme again');
SELECT is(names_on('company', 'co_acme') @> ARRAY['after'], true, 'it reaches the company again');
SELECT is(reference_problems(), NULL, 'every timeline equals the recount after the patches of contacts');

SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', id_of('both roads')), 'a tagged activity is deleted');
UPDATE clarky.activities SET deleted_at = now() - interval '2 days' WHERE id = id_of('both roads');
SELECT is(clarky.purge_deleted_activities('1 day'), 1::bigint, 'and purged (deleted two days ago)');
SELECT is(ARRAY[names_on('company', 'co_acme') @> ARRAY['both roads'], names_on('contact', 'c_2') @> ARRAY['both roads']],
	ARRAY[false, false], 'it is on no timeline');
SELECT is((SELECT count(*)::int FROM clarky.activity_links l
			WHERE NOT EXISTS (SELECT 1 FROM clarky.activities a
							   WHERE a.workspace_id = l.workspace_id AND a.id = l.activity_id
								 AND a.deleted_at IS NULL)), 0,
	'no link points at a deleted or missing activity');

------------------------------------------------------------------------------
-- The counts and the links are derived: a rebuild changes nothing
------------------------------------------------------------------------------

CREATE TEMP TABLE links_before AS SELECT * FROM clarky.activity_links;
-- (a count that went down to 0 may stay as a row of zeros; a recount has none)
CREATE TEMP TABLE counts_before AS
	SELECT workspace_id, owner_kind, owner_id, sum(notes + calls + meetings + video_calls + tasks + todos + reminders) AS n
	  FROM clarky.activity_counts GROUP BY 1, 2, 3
	HAVING sum(notes + calls + meetings + video_calls + tasks + todos + reminders) <> 0;
SELECT cmp_ok(clarky.rebuild_activity_links(), '>', 0::bigint, 'rebuild_activity_links writes the links');
SELECT lives_ok('SELECT clarky.rebuild_activity_counts()', 'rebuild_activity_counts recounts');
SELECT bag_eq('SELECT * FROM clarky.activity_links', 'SELECT * FROM links_before',
	'the rebuilt links are the links the C functions wrote');
SELECT bag_eq($$SELECT workspace_id, owner_kind, owner_id,
					  sum(notes + calls + meetings + video_calls + tasks + todos + reminders) AS n
				 FROM clarky.activity_counts GROUP BY 1, 2, 3$$,
	'SELECT * FROM counts_before', 'the recounted totals are the totals kept');

------------------------------------------------------------------------------
-- Workspaces: memberships are per workspace
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', 'ws_tags_other', true) \g /dev/null
SELECT is(clarky.company_contacts('co_acme') #>> '{pagination,total}', '0',
	'another workspace does not see the memberships');
SELECT is(act('elsewhere', '{"activity_type": "note", "title": "elsewhere", "contact_id": "c_3"}')
		#>> '{data,contact_id}', 'c_3', 'an activity on c_3 in another workspace');
SELECT is(total_of('company', 'co_acme'), 0, 'does not reach co_acme: c_3 is its member in ws_tags only');
SELECT is(total_of('contact', 'c_1'), 0, 'and the tagged activities of ws_tags are not counted here');
SELECT set_config('clarky.workspace_id', 'ws_tags', true) \g /dev/null
SELECT is(names_on('contact', 'c_3') @> ARRAY['elsewhere'], false, 'nor is the other workspace''s activity seen in ws_tags');

------------------------------------------------------------------------------
-- Privileges: who may change memberships
------------------------------------------------------------------------------

SELECT is(outcome($$SELECT clarky.add_contact_to_company('c_9', 'co_acme')$$, 'clarky_reader') ->> 'sqlstate',
	'42501', 'a reader may not add a membership');
SELECT is(outcome($$SELECT clarky.company_contacts('co_acme')$$, 'clarky_reader') ->> 'sqlstate',
	'00000', 'but may list them');
SELECT is(outcome($$SELECT clarky.add_contact_to_company('c_9', 'co_acme', true)$$, 'clarky_writer')
		-> 'sqlstate', '"00000"', 'a writer may add one, with backfill');
SELECT is(outcome($$SELECT clarky.remove_contact_from_company('c_9', 'co_acme')$$, 'clarky_writer')
		-> 'sqlstate', '"00000"', 'and remove it');

------------------------------------------------------------------------------
-- The companies of one contact alone, in order, less the activity's own
------------------------------------------------------------------------------

SELECT is((SELECT count(clarky.add_contact_to_company('c_solo', c))::int
		   FROM unnest(ARRAY['co_zed', 'co_bee', 'co_emm']) AS c), 3,
	'a contact joins three companies, not in the order of their ids');
SELECT is(act('solo', '{"activity_type": "call", "contact_id": "c_solo"}') -> 'data' ->> 'contact_id', 'c_solo',
	'an activity on that contact alone');
SELECT is((SELECT via_company_ids FROM clarky.activities WHERE id = id_of('solo')),
	ARRAY['co_bee', 'co_emm', 'co_zed'], 'reaches the three, in the order of their ids');
SELECT is(act('solo at emm', '{"activity_type": "call", "contact_id": "c_solo", "company_id": "co_emm"}')
		-> 'data' ->> 'company_id', 'co_emm', 'one logged against one of them too');
SELECT is((SELECT via_company_ids FROM clarky.activities WHERE id = id_of('solo at emm')),
	ARRAY['co_bee', 'co_zed'], 'reaches the other two through its contact');
SELECT is(act('solo at zed and bee', '{"activity_type": "call", "contact_id": "c_solo",
		"company_ids": ["co_zed", "co_bee"]}') -> 'data' -> 'company_ids', '["co_zed", "co_bee"]'::jsonb,
	'one logged against two of them');
SELECT is((SELECT via_company_ids FROM clarky.activities WHERE id = id_of('solo at zed and bee')),
	ARRAY['co_emm'], 'reaches the third alone through its contact');
SELECT is(totals('company', 'co_bee'), ARRAY[3, 3, 3], 'the three are on the timeline of co_bee, counted once');
SELECT is(reference_problems(), NULL, 'every timeline equals the recount');

------------------------------------------------------------------------------
-- A first page reads its own rows, whatever the planner estimates
------------------------------------------------------------------------------

-- (Joined to the activities on both keys, a road of links was estimated
-- at one row in all where the activities' instants are distinct, and a
-- generic plan could hash every activity of the workspace for a page.)
SELECT is((SELECT count(clarky.add_contact_to_company('c_crowd_' || g, 'co_crowd'))::int
		   FROM generate_series(1, 20) AS g), 20, '20 contacts join co_crowd');
SELECT is((SELECT count(clarky.log_activity(jsonb_build_object('activity_type', 'call',
			'contact_ids', jsonb_build_array('c_crowd_' || (1 + g % 20), 'c_crowd'),
			'occurred_at', to_char(timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute',
								   'YYYY-MM-DD"T"HH24:MI:SS"Z"'))))::int
		   FROM generate_series(1, 1500) AS g), 1500,
	'1,500 calls a minute apart, each on one of them and on c_crowd');
ANALYZE clarky.activities, clarky.activity_links;

-- What a call read of clarky.activities, in this transaction's statistics
CREATE FUNCTION activities_read(call text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	s0 bigint;
	f0 bigint;
BEGIN
	SELECT seq_scan, idx_tup_fetch INTO s0, f0
	  FROM pg_stat_xact_user_tables WHERE relid = 'clarky.activities'::regclass;
	EXECUTE call;
	RETURN (SELECT format('%s sequential scans, %s rows fetched', seq_scan - s0, idx_tup_fetch - f0)
			  FROM pg_stat_xact_user_tables WHERE relid = 'clarky.activities'::regclass);
END
$$;
SELECT is(activities_read($$SELECT clarky.company_activities('co_crowd', NULL, 1, 20)$$),
	'0 sequential scans, 20 rows fetched',
	'page 1 of co_crowd (1,500 activities through people) fetches its 20 rows by key');
SELECT is(activities_read($$SELECT clarky.contact_activities('c_crowd', NULL, 1, 20)$$),
	'0 sequential scans, 20 rows fetched',
	'page 1 of c_crowd (1,500 activities, on each as another contact) fetches its 20 rows by key');
SELECT is(activities_read($$SELECT clarky.contact_activities('c_crowd', NULL, 3, 100)$$),
	'0 sequential scans, 300 rows fetched',
	'page 3 of 100 of c_crowd, in index order: the 300 rows to the page''s end');

------------------------------------------------------------------------------
-- Bulk work in one transaction: the write/backfill locks stay few
------------------------------------------------------------------------------

SELECT is((SELECT count(clarky.add_contact_to_company('c_bulk_' || g, 'co_bulk', backfill => true))::int
		   FROM generate_series(1, 1500) AS g), 1500,
	'1,500 contacts join a company with backfill in one statement');
SELECT is((SELECT count(clarky.log_activity(jsonb_build_object('activity_type', 'note',
			'contact_ids', jsonb_build_array('c_bulk_' || g, 'c_bulk_' || (1501 - g)))))::int
		   FROM generate_series(1, 1500) AS g), 1500,
	'and 1,500 notes, each on two of them, are logged in one statement');
SELECT is(total_of('company', 'co_bulk'), 1500, 'which all reach the company through its people');
SELECT cmp_ok((SELECT count(DISTINCT objid)::int FROM pg_locks
			   WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 17227),
	'<=', 256, 'holding at most 256 locks of contacts (slots, in each mode), not one per contact');
SELECT cmp_ok((SELECT count(*)::int FROM pg_locks
			   WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objsubid = 17227),
	'>', 0, 'but some (17227: the class of the contacts'' advisory locks)');

SELECT * FROM finish();
ROLLBACK;
