-- 050_timeline_pagination.sql: the timelines' order, filters and pagination.
BEGIN;
SELECT plan(76);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/timeline.psql

-- Log one activity from a jsonb payload; return its id
CREATE FUNCTION log_it(payload jsonb) RETURNS text LANGUAGE sql AS $$
	SELECT clarky.log_activity(payload) -> 'data' ->> 'id'
$$;

-- One page of a contact's ('contact') or a company's ('company') timeline
CREATE FUNCTION timeline(kind text, owner text, type clarky.activity_type,
						 page int, page_size int) RETURNS json LANGUAGE sql STABLE AS $$
	SELECT CASE kind
		WHEN 'contact' THEN clarky.contact_activities(owner, type, page, page_size)
		WHEN 'company' THEN clarky.company_activities(owner, type, page, page_size)
	END
$$;

-- A timeline response in short: the number of items and the pagination
CREATE FUNCTION shape(response json) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('items', json_array_length(response -> 'data'))
		   || (response -> 'pagination')::jsonb
$$;

-- The expected shape: items, page, page_size, total, total_pages
CREATE FUNCTION expect(items int, page int, page_size int, total int, total_pages int)
RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('items', items, 'page', page, 'page_size', page_size,
							  'total', total, 'total_pages', total_pages)
$$;

-- The ids of an owner's activities as the seed orders them: newest first by
-- occurred_at, ties by id descending (byte order)
CREATE FUNCTION expected_ids(kind text, owner text, type clarky.activity_type DEFAULT NULL)
RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT coalesce(array_agg(id::text ORDER BY occurred_at DESC, id COLLATE "C" DESC), '{}')
	  FROM clarky.activities
	 WHERE workspace_id = clarky.current_workspace()
	   AND CASE kind WHEN 'contact' THEN contact_id ELSE company_id END = owner
	   AND (type IS NULL OR activity_type = type)
$$;

-- Walk a timeline as a client does (page_size n, pages 1, 2, ... until
-- page >= total_pages): the ids in order and each page's length
CREATE FUNCTION walk(kind text, owner text, size int) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	p int := 1;
	r json;
	all_ids text[] := '{}';
	lengths int[] := '{}';
BEGIN
	LOOP
		r := timeline(kind, owner, NULL, p, size);
		all_ids := all_ids || ids_of(r);
		lengths := lengths || json_array_length(r -> 'data');
		EXIT WHEN p >= (r -> 'pagination' ->> 'total_pages')::int;
		p := p + 1;
		IF p > 10000 THEN
			RAISE EXCEPTION 'runaway walk';
		END IF;
	END LOOP;
	RETURN jsonb_build_object('ids', all_ids, 'lengths', lengths);
END
$$;

-- What walk() must return for n items
CREATE FUNCTION expected_walk(kind text, owner text, size int) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'ids', expected_ids(kind, owner),
		'lengths', (SELECT coalesce(array_agg(least(size, n - (p - 1) * size) ORDER BY p), ARRAY[0])
					  FROM (SELECT cardinality(expected_ids(kind, owner)) AS n) AS c,
						   generate_series(1, (n + size - 1) / size) AS p))
$$;

-- For a filtered timeline: the total and the distinct types returned
CREATE FUNCTION filtered(kind text, owner text, type clarky.activity_type) RETURNS jsonb
LANGUAGE sql STABLE AS $$
	SELECT jsonb_build_object(
		'total', (r -> 'pagination' ->> 'total')::int,
		'items', json_array_length(r -> 'data'),
		'types', (SELECT coalesce(jsonb_agg(DISTINCT e ->> 'activity_type'), '[]')
					FROM json_array_elements(r -> 'data') AS e),
		'ids_in_order', ids_of(r) = expected_ids(kind, owner, type))
	  FROM timeline(kind, owner, type, 1, 100) AS r
$$;

------------------------------------------------------------------------------
-- Data
------------------------------------------------------------------------------

-- c_fifty: 50 activities, occurred_at 2001-01-01 plus 0..49 minutes, logged
-- in a shuffled order (i * 37 mod 50); the title is the minute
SELECT log_it(jsonb_build_object(
		'activity_type', (enum_range(NULL::clarky.activity_type))[1 + i % 7],
		'contact_id', 'c_fifty',
		'title', 'minute ' || lpad(((i * 37) % 50)::text, 2, '0'),
		'occurred_at', to_char(timestamptz '2001-01-01 00:00:00+00' + ((i * 37) % 50) * interval '1 minute',
							   'YYYY-MM-DD"T"HH24:MI:SS"Z"')))
  FROM generate_series(0, 49) AS i \g /dev/null
-- another contact, whose id shares c_fifty's prefix
SELECT log_it(jsonb_build_object('activity_type', 'note', 'contact_id', c))
  FROM generate_series(1, 7), unnest(ARRAY['c_fifty_other', 'c_fift', 'C_FIFTY']) AS c \g /dev/null

-- c_types: n activities of the n-th type (1 note ... 7 reminders)
SELECT log_it(jsonb_build_object('activity_type', t, 'contact_id', 'c_types',
							  'occurred_at', format('2002-01-%sT%s:00:00Z', lpad(o::text, 2, '0'), lpad(k::text, 2, '0'))))
  FROM unnest(enum_range(NULL::clarky.activity_type)) WITH ORDINALITY AS x(t, o),
	   generate_series(1, o::int) AS k \g /dev/null

-- co_types: 8 - n activities of the n-th type (7 notes ... 1 reminder);
-- the calls also name contact c_co_person
SELECT log_it(jsonb_build_object('activity_type', t, 'company_id', 'co_types',
							  'contact_id', CASE WHEN t = 'call' THEN 'c_co_person' END))
  FROM unnest(enum_range(NULL::clarky.activity_type)) WITH ORDINALITY AS x(t, o),
	   generate_series(1, 8 - o::int) AS k \g /dev/null
-- a contact-only activity of a company's person is not on the company's timeline
SELECT log_it('{"activity_type": "meeting", "contact_id": "c_co_person"}') \g /dev/null

-- c_order: backdated, ties, a microsecond apart, and the default "now"
SELECT log_it('{"activity_type": "note", "contact_id": "c_order", "title": "A", "occurred_at": "2001-03-01T10:00:00Z"}') \g /dev/null
SELECT log_it('{"activity_type": "call", "contact_id": "c_order", "title": "B", "occurred_at": "2001-03-01T12:00:00Z"}') \g /dev/null
SELECT log_it('{"activity_type": "task", "contact_id": "c_order", "title": "C"}') \g /dev/null
SELECT log_it('{"activity_type": "note", "contact_id": "c_order", "title": "D", "occurred_at": "2001-03-01T12:00:00Z"}') \g /dev/null
SELECT log_it('{"activity_type": "todo", "contact_id": "c_order", "title": "E", "occurred_at": "2000-01-01"}') \g /dev/null
SELECT log_it('{"activity_type": "meeting", "contact_id": "c_order", "title": "F", "occurred_at": "2001-03-01T13:00:00+02:00"}') \g /dev/null
SELECT log_it('{"activity_type": "note", "contact_id": "c_order", "title": "G"}') \g /dev/null
SELECT log_it('{"activity_type": "reminder", "contact_id": "c_order", "title": "H", "occurred_at": "2001-03-01T12:00:00.000001Z"}') \g /dev/null
SELECT log_it('{"activity_type": "video_call", "contact_id": "c_order", "title": "I", "occurred_at": "9999-01-01"}') \g /dev/null

-- c_walk: 23 activities over 5 instants, so most have ties
SELECT log_it(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_walk', 'title', 'w' || i,
							  'occurred_at', format('2003-01-01T0%s:00:00Z', i % 5)))
  FROM generate_series(1, 23) AS i \g /dev/null
-- co_walk: 17 activities logged at the same instant (now)
SELECT log_it(jsonb_build_object('activity_type', 'call', 'company_id', 'co_walk', 'title', 'w' || i))
  FROM generate_series(1, 17) AS i \g /dev/null

SELECT is((SELECT count(*) FROM clarky.activities), 50 + 21 + 28 + 28 + 1 + 9 + 23 + 17::bigint,
	'(test data: every activity was logged)');

------------------------------------------------------------------------------
-- No activities
------------------------------------------------------------------------------

SELECT is(clarky.contact_activities('c_none')::text,
	'{"data": [], "pagination": {"page": 1, "page_size": 25, "total": 0, "total_pages": 0}}',
	'no activities: data [], total 0, total_pages 0');
SELECT is(clarky.company_activities('co_none')::text,
	'{"data": [], "pagination": {"page": 1, "page_size": 25, "total": 0, "total_pages": 0}}',
	'no activities on a company: data [], total 0, total_pages 0');
SELECT is(shape(clarky.contact_activities('c_none', NULL, 2, 10)), expect(0, 2, 10, 0, 0),
	'no activities, page 2: empty, total 0, total_pages 0');
SELECT is(shape(clarky.contact_activities('c_types', 'video_call', 1, 1)::json), expect(1, 1, 1, 4, 4),
	'(a filter with matches, for contrast)');
SELECT is(shape(clarky.contact_activities('c_order', 'video_call', 1, 1)), expect(1, 1, 1, 1, 1),
	'a filter with one match');
SELECT is(shape(clarky.contact_activities('c_fifty_other', 'call')), expect(0, 1, 25, 0, 0),
	'a filter without matches: empty, total 0, total_pages 0');

------------------------------------------------------------------------------
-- Pages of 50 activities
------------------------------------------------------------------------------

SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 1, 25)), expect(25, 1, 25, 50, 2),
	'50 activities, page_size 25: page 1 is full, total 50, total_pages 2');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 2, 25)), expect(25, 2, 25, 50, 2),
	'50 activities, page_size 25: page 2 is full');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 3, 25)), expect(0, 3, 25, 50, 2),
	'50 activities, page_size 25: page 3 is empty, with the true totals');
SELECT is(ids_of(clarky.contact_activities('c_fifty', NULL, 1, 25)),
	(expected_ids('contact', 'c_fifty'))[1:25], 'page 1 holds the 25 newest');
SELECT is(ids_of(clarky.contact_activities('c_fifty', NULL, 2, 25)),
	(expected_ids('contact', 'c_fifty'))[26:50], 'page 2 holds the 25 oldest');
SELECT is(titles_of(clarky.contact_activities('c_fifty', NULL, 1, 5)),
	ARRAY['minute 49', 'minute 48', 'minute 47', 'minute 46', 'minute 45'],
	'newest first by occurred_at, not by order of logging');
SELECT is(titles_of(clarky.contact_activities('c_fifty', NULL, 10, 5)),
	ARRAY['minute 04', 'minute 03', 'minute 02', 'minute 01', 'minute 00'],
	'the last page holds the oldest, oldest last');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 3, 20)), expect(10, 3, 20, 50, 3),
	'50 activities, page_size 20: the last page holds the remaining 10, total_pages 3');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 8, 7)), expect(1, 8, 7, 50, 8),
	'50 activities, page_size 7: the last page holds 1, total_pages 8');
SELECT is(ids_of(clarky.contact_activities('c_fifty', NULL, 3, 20)),
	(expected_ids('contact', 'c_fifty'))[41:50], 'the partial last page holds the 10 oldest');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 10, 20)), expect(0, 10, 20, 50, 3),
	'a page past the end: empty data, true total and total_pages');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 2147483647, 100)), expect(0, 2147483647, 100, 50, 1),
	'the largest page number: empty data, true total');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 1, 1)), expect(1, 1, 1, 50, 50),
	'page_size 1: one item, total_pages 50');
SELECT is(ids_of(clarky.contact_activities('c_fifty', NULL, 50, 1)),
	ARRAY[(expected_ids('contact', 'c_fifty'))[50]], 'page_size 1, page 50: the oldest');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 51, 1)), expect(0, 51, 1, 50, 50),
	'page_size 1, page 51: empty, true totals');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 1, 100)), expect(50, 1, 100, 50, 1),
	'page_size 100: all 50 on one page');
SELECT is(ids_of(clarky.contact_activities('c_fifty', NULL, 1, 100)),
	expected_ids('contact', 'c_fifty'), 'page_size 100: all 50, newest first');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 1, 50)), expect(50, 1, 50, 50, 1),
	'page_size equal to the total: one full page, total_pages 1');
SELECT is(shape(clarky.contact_activities('c_fifty', NULL, 2, 50)), expect(0, 2, 50, 50, 1),
	'page_size equal to the total, page 2: empty, true totals');
SELECT is(clarky.contact_activities('c_fifty')::text,
	clarky.contact_activities('c_fifty', NULL, 1, 25)::text,
	'the defaults are activity_type NULL, page 1, page_size 25');
SELECT is(clarky.contact_activities('c_fifty', page_size => 10, page => 2)::text,
	clarky.contact_activities('c_fifty', NULL, 2, 10)::text,
	'named arguments page and page_size');

------------------------------------------------------------------------------
-- Totals count only the owner's activities
------------------------------------------------------------------------------

SELECT is(shape(clarky.contact_activities('c_fifty_other')), expect(7, 1, 25, 7, 1),
	'another contact with a longer id: its own 7');
SELECT is(shape(clarky.contact_activities('c_fift', NULL, 1, 7)), expect(7, 1, 7, 7, 1),
	'a contact whose id is a prefix: its own 7 (full page, counted)');
SELECT is(shape(clarky.contact_activities('C_FIFTY', NULL, 2, 5)), expect(2, 2, 5, 7, 2),
	'contact ids are case sensitive: C_FIFTY has its own 7');
SELECT is((SELECT count(*) FROM (SELECT unnest(ids_of(clarky.contact_activities('c_fifty', NULL, 1, 100)))) AS s(id)
	   JOIN clarky.activities a ON a.id = s.id WHERE a.contact_id <> 'c_fifty'), 0::bigint,
	'a contact''s timeline holds only that contact''s activities');

------------------------------------------------------------------------------
-- Filters: each of the seven types
------------------------------------------------------------------------------

SELECT is(filtered('contact', 'c_types', 'note'),
	'{"total": 1, "items": 1, "types": ["note"], "ids_in_order": true}'::jsonb, 'contact, type note: 1');
SELECT is(filtered('contact', 'c_types', 'call'),
	'{"total": 2, "items": 2, "types": ["call"], "ids_in_order": true}'::jsonb, 'contact, type call: 2');
SELECT is(filtered('contact', 'c_types', 'meeting'),
	'{"total": 3, "items": 3, "types": ["meeting"], "ids_in_order": true}'::jsonb, 'contact, type meeting: 3');
SELECT is(filtered('contact', 'c_types', 'video_call'),
	'{"total": 4, "items": 4, "types": ["video_call"], "ids_in_order": true}'::jsonb, 'contact, type video_call: 4');
SELECT is(filtered('contact', 'c_types', 'task'),
	'{"total": 5, "items": 5, "types": ["task"], "ids_in_order": true}'::jsonb, 'contact, type task: 5');
SELECT is(filtered('contact', 'c_types', 'todo'),
	'{"total": 6, "items": 6, "types": ["todo"], "ids_in_order": true}'::jsonb, 'contact, type todo: 6');
SELECT is(filtered('contact', 'c_types', 'reminder'),
	'{"total": 7, "items": 7, "types": ["reminder"], "ids_in_order": true}'::jsonb, 'contact, type reminder: 7');
SELECT is(shape(clarky.contact_activities('c_types')), expect(25, 1, 25, 28, 2),
	'contact, unfiltered: all 28');
SELECT is(shape(clarky.contact_activities('c_types', 'reminder', 4, 2)), expect(1, 4, 2, 7, 4),
	'filtered, short last page: total 7');
SELECT is(shape(clarky.contact_activities('c_types', 'reminder', 5, 2)), expect(0, 5, 2, 7, 4),
	'filtered, past the end: the true filtered total');
SELECT is(shape(clarky.contact_activities('c_types', 'reminder', 1, 7)), expect(7, 1, 7, 7, 1),
	'filtered, one full page: the true filtered total');
SELECT is(shape(clarky.contact_activities('c_types', 'todo', 2, 4)), expect(2, 2, 4, 6, 2),
	'filtered, page 2');
SELECT is(ids_of(clarky.contact_activities('c_types', 'todo', 2, 4)),
	(expected_ids('contact', 'c_types', 'todo'))[5:6], 'filtered page 2 holds the 2 oldest todos');

SELECT is(filtered('company', 'co_types', 'note'),
	'{"total": 7, "items": 7, "types": ["note"], "ids_in_order": true}'::jsonb, 'company, type note: 7');
SELECT is(filtered('company', 'co_types', 'call'),
	'{"total": 6, "items": 6, "types": ["call"], "ids_in_order": true}'::jsonb, 'company, type call: 6');
SELECT is(filtered('company', 'co_types', 'meeting'),
	'{"total": 5, "items": 5, "types": ["meeting"], "ids_in_order": true}'::jsonb, 'company, type meeting: 5');
SELECT is(filtered('company', 'co_types', 'video_call'),
	'{"total": 4, "items": 4, "types": ["video_call"], "ids_in_order": true}'::jsonb, 'company, type video_call: 4');
SELECT is(filtered('company', 'co_types', 'task'),
	'{"total": 3, "items": 3, "types": ["task"], "ids_in_order": true}'::jsonb, 'company, type task: 3');
SELECT is(filtered('company', 'co_types', 'todo'),
	'{"total": 2, "items": 2, "types": ["todo"], "ids_in_order": true}'::jsonb, 'company, type todo: 2');
SELECT is(filtered('company', 'co_types', 'reminder'),
	'{"total": 1, "items": 1, "types": ["reminder"], "ids_in_order": true}'::jsonb, 'company, type reminder: 1');
SELECT is(shape(clarky.company_activities('co_types', NULL, 2, 20)), expect(8, 2, 20, 28, 2),
	'company, unfiltered, page 2 of 20: the remaining 8 of 28');
SELECT is(ids_of(clarky.company_activities('co_types', NULL, 1, 100)),
	expected_ids('company', 'co_types'), 'company: all 28, newest first (ties by id descending)');
SELECT is(shape(clarky.contact_activities('c_co_person')), expect(7, 1, 25, 7, 1),
	'the calls logged against both appear on the contact''s timeline too (6 + 1 meeting)');
SELECT is(filtered('contact', 'c_co_person', 'call'),
	'{"total": 6, "items": 6, "types": ["call"], "ids_in_order": true}'::jsonb,
	'the contact''s calls are the 6 logged with the company');
SELECT is(filtered('company', 'co_types', 'meeting') -> 'total', '5'::jsonb,
	'the contact-only meeting is not on the company''s timeline');
SELECT is(shape(clarky.company_activities('c_types')), expect(0, 1, 25, 0, 0),
	'a contact id is not a company id');

------------------------------------------------------------------------------
-- Order: occurred_at descending, ties by id descending, backdating
------------------------------------------------------------------------------

SELECT is(titles_of(clarky.contact_activities('c_order')),
	ARRAY['I', 'G', 'C', 'H', 'D', 'B', 'F', 'A', 'E'],
	'future, now (newest id first), then backdated activities in occurred_at order, ties newest id first');
SELECT is(ids_of(clarky.contact_activities('c_order')), expected_ids('contact', 'c_order'),
	'the order is occurred_at DESC, id DESC');
SELECT cmp_ok(
	(SELECT id FROM clarky.activities WHERE contact_id = 'c_order' AND title = 'D') COLLATE "C", '>',
	(SELECT id FROM clarky.activities WHERE contact_id = 'c_order' AND title = 'B') COLLATE "C",
	'(D was logged after B, so its id is greater)');
SELECT is(
	(SELECT array_agg(e ->> 'occurred_at' ORDER BY o)
	   FROM json_array_elements(clarky.contact_activities('c_order') -> 'data') WITH ORDINALITY AS x(e, o)
	  WHERE e ->> 'title' IN ('H', 'D', 'B', 'F', 'A', 'E')),
	ARRAY['2001-03-01T12:00:00.000Z', '2001-03-01T12:00:00.000Z', '2001-03-01T12:00:00.000Z',
		  '2001-03-01T11:00:00.000Z', '2001-03-01T10:00:00.000Z', '2000-01-01T00:00:00.000Z'],
	'backdated occurred_at values are rendered as given (in UTC)');
SELECT is(titles_of(clarky.contact_activities('c_order', NULL, 2, 4)), ARRAY['D', 'B', 'F', 'A'],
	'page 2 of 4 continues the same order');
SELECT is(titles_of(clarky.contact_activities('c_order', 'note')), ARRAY['G', 'D', 'A'],
	'a filtered timeline keeps the order');
SELECT is(
	(SELECT count(*) FROM json_array_elements(clarky.contact_activities('c_order') -> 'data') AS e
	  WHERE e ->> 'title' IN ('C', 'G') AND e ->> 'occurred_at' = e ->> 'created_at'),
	2::bigint, 'activities without occurred_at occurred at their created_at');

------------------------------------------------------------------------------
-- Walking every page: each activity exactly once
------------------------------------------------------------------------------

SELECT is(walk('contact', 'c_walk', 1), expected_walk('contact', 'c_walk', 1),
	'page_size 1: every activity once, in order, 23 pages of 1');
SELECT is(walk('contact', 'c_walk', 2), expected_walk('contact', 'c_walk', 2),
	'page_size 2: every activity once, no overlap or skip');
SELECT is(walk('contact', 'c_walk', 3), expected_walk('contact', 'c_walk', 3),
	'page_size 3: every activity once, no overlap or skip');
SELECT is(walk('contact', 'c_walk', 4), expected_walk('contact', 'c_walk', 4),
	'page_size 4: every activity once, no overlap or skip');
SELECT is(walk('contact', 'c_walk', 5), expected_walk('contact', 'c_walk', 5),
	'page_size 5: every activity once, no overlap or skip');
SELECT is(walk('contact', 'c_walk', 6), expected_walk('contact', 'c_walk', 6),
	'page_size 6: every activity once, no overlap or skip');
SELECT is(walk('contact', 'c_walk', 7), expected_walk('contact', 'c_walk', 7),
	'page_size 7: every activity once, no overlap or skip');
SELECT is(
	(SELECT count(DISTINCT id) FROM jsonb_array_elements_text(walk('contact', 'c_walk', 3) -> 'ids') AS id),
	23::bigint, '(the walk finds 23 different activities)');
SELECT is(walk('company', 'co_walk', 4), expected_walk('company', 'co_walk', 4),
	'a company, 17 activities of one instant, page_size 4: every activity once, newest id first');
SELECT is(
	(SELECT array_agg(id ORDER BY o) FROM jsonb_array_elements_text(walk('company', 'co_walk', 5) -> 'ids')
		WITH ORDINALITY AS x(id, o)),
	(SELECT array_agg(id::text ORDER BY id COLLATE "C" DESC) FROM clarky.activities WHERE company_id = 'co_walk'),
	'activities of the same instant come in descending id order across pages');
SELECT is(walk('contact', 'c_none', 3), '{"ids": [], "lengths": [0]}'::jsonb,
	'walking an empty timeline: one empty page');

SELECT * FROM finish();
ROLLBACK;
