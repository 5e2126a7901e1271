-- 030_seed_examples.sql: the seed's three examples, through the SQL API.
BEGIN;
SELECT plan(53);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';

\ir include/render.psql

CREATE TEMP TABLE responses (example text PRIMARY KEY, response json);

------------------------------------------------------------------------------
-- Example: log a note
------------------------------------------------------------------------------

INSERT INTO responses SELECT 'note', clarky.log_activity('{
	"activity_type": "note",
	"contact_id": "c_01HXYZ",
	"title": "Follow-up needed",
	"description": "Customer asked about migration help next quarter."
}');

SELECT is(keys_of((SELECT response FROM responses WHERE example = 'note')),
	ARRAY['data'], 'log a note: the response has exactly one top-level key, data');
SELECT is(json_typeof((SELECT response -> 'data' FROM responses WHERE example = 'note')),
	'object', 'log a note: data is an object');
SELECT is(keys_of((SELECT response -> 'data' FROM responses WHERE example = 'note')),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'log a note: the activity has every key, in the seed''s order, then occurred_at, owner_id, updated_at, version, contact_ids, company_ids');
SELECT is(types_of((SELECT response -> 'data' FROM responses WHERE example = 'note')),
	'id:string contact_id:string company_id:null activity_type:string title:string '
	'description:string due_date:null duration_minutes:null completed_at:null '
	'metadata:object created_at:string occurred_at:string owner_id:null updated_at:string version:number contact_ids:array company_ids:array',
	'log a note: every value has the documented JSON type, absent values null');
SELECT matches((SELECT response -> 'data' ->> 'id' FROM responses WHERE example = 'note'),
	'^a_[0-7][0-9A-HJKMNP-TV-Z]{25}$', 'log a note: id is "a_" and a ULID');
SELECT is((SELECT response -> 'data' ->> 'contact_id' FROM responses WHERE example = 'note'),
	'c_01HXYZ', 'log a note: contact_id as given');
SELECT is((SELECT response -> 'data' ->> 'activity_type' FROM responses WHERE example = 'note'),
	'note', 'log a note: activity_type note');
SELECT is((SELECT response -> 'data' ->> 'title' FROM responses WHERE example = 'note'),
	'Follow-up needed', 'log a note: title as given');
SELECT is((SELECT response -> 'data' ->> 'description' FROM responses WHERE example = 'note'),
	'Customer asked about migration help next quarter.', 'log a note: description as given');
SELECT is((SELECT (response -> 'data' -> 'metadata')::jsonb FROM responses WHERE example = 'note'),
	'{}'::jsonb, 'log a note: metadata defaults to the empty object');
SELECT matches((SELECT response -> 'data' ->> 'created_at' FROM responses WHERE example = 'note'),
	'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$',
	'log a note: created_at is ISO 8601, UTC, with milliseconds and Z');
SELECT is((SELECT response -> 'data' ->> 'created_at' FROM responses WHERE example = 'note'),
	now_rendered(), 'log a note: created_at is now(), rendered in UTC with milliseconds');
SELECT is((SELECT response -> 'data' ->> 'occurred_at' FROM responses WHERE example = 'note'),
	now_rendered(), 'log a note: occurred_at defaults to the moment of logging');
SELECT is((SELECT response::text FROM responses WHERE example = 'note'),
	format('{"data": {"id": "%s", "contact_id": "c_01HXYZ", "company_id": null, '
		   '"activity_type": "note", "title": "Follow-up needed", '
		   '"description": "Customer asked about migration help next quarter.", '
		   '"due_date": null, "duration_minutes": null, "completed_at": null, '
		   '"metadata": {}, "created_at": "%s", "occurred_at": "%s", '
		   '"owner_id": null, "updated_at": "%s", "version": 1, "contact_ids": ["c_01HXYZ"], "company_ids": []}}',
		   (SELECT id FROM clarky.activities WHERE contact_id = 'c_01HXYZ' AND activity_type = 'note'),
		   now_rendered(), now_rendered(), now_rendered()),
	'log a note: the whole response text');
SELECT is(
	(SELECT ROW(workspace_id, contact_id, company_id, activity_type, title, description,
				due_date, duration_minutes, completed_at, metadata, created_at, occurred_at,
				owner_id, updated_at, version, deleted_at)::text
	   FROM clarky.activities WHERE contact_id = 'c_01HXYZ' AND activity_type = 'note'),
	ROW('default', 'c_01HXYZ', NULL::text, 'note'::clarky.activity_type, 'Follow-up needed',
		'Customer asked about migration help next quarter.', NULL::timestamptz, NULL::numeric,
		NULL::timestamptz, '{}'::jsonb, now(), now(), NULL::text, now(), 1, NULL::timestamptz)::text,
	'log a note: the stored row');

------------------------------------------------------------------------------
-- Example: schedule a task
------------------------------------------------------------------------------

INSERT INTO responses SELECT 'task', clarky.log_activity('{
	"activity_type": "task",
	"contact_id": "c_01HXYZ",
	"title": "Send follow-up proposal",
	"due_date": "2026-05-06T17:00:00.000Z"
}');

SELECT is(keys_of((SELECT response FROM responses WHERE example = 'task')),
	ARRAY['data'], 'schedule a task: the response has exactly one top-level key, data');
SELECT is(keys_of((SELECT response -> 'data' FROM responses WHERE example = 'task')),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'schedule a task: the activity has every key, in order');
SELECT is(types_of((SELECT response -> 'data' FROM responses WHERE example = 'task')),
	'id:string contact_id:string company_id:null activity_type:string title:string '
	'description:null due_date:string duration_minutes:null completed_at:null '
	'metadata:object created_at:string occurred_at:string owner_id:null updated_at:string version:number contact_ids:array company_ids:array',
	'schedule a task: every value has the documented JSON type');
SELECT is((SELECT response -> 'data' ->> 'activity_type' FROM responses WHERE example = 'task'),
	'task', 'schedule a task: activity_type task');
SELECT is((SELECT response -> 'data' ->> 'title' FROM responses WHERE example = 'task'),
	'Send follow-up proposal', 'schedule a task: title as given');
SELECT is((SELECT response -> 'data' ->> 'due_date' FROM responses WHERE example = 'task'),
	'2026-05-06T17:00:00.000Z', 'schedule a task: due_date 2026-05-06T17:00:00.000Z');
SELECT is((SELECT due_date FROM clarky.activities WHERE contact_id = 'c_01HXYZ' AND activity_type = 'task'),
	'2026-05-06 17:00:00+00'::timestamptz, 'schedule a task: the stored due_date');
SELECT is((SELECT response -> 'data' ->> 'created_at' FROM responses WHERE example = 'task'),
	now_rendered(), 'schedule a task: created_at is now()');
SELECT is((SELECT (response -> 'data' -> 'metadata')::jsonb FROM responses WHERE example = 'task'),
	'{}'::jsonb, 'schedule a task: metadata {}');

------------------------------------------------------------------------------
-- Example: list a contact's calls
------------------------------------------------------------------------------

INSERT INTO responses SELECT 'call', clarky.log_activity('{
	"activity_type": "call",
	"contact_id": "c_01HXYZ",
	"title": "Discovery call",
	"description": "Walked through the platform, customer is interested in the Pro plan.",
	"duration_minutes": 32,
	"completed_at": "2026-04-29T15:30:00.000Z",
	"metadata": {"outcome": "qualified"}
}');
-- an activity of another contact, and another type of the same contact, that
-- the listing must leave out
INSERT INTO responses SELECT 'other contact', clarky.log_activity(
	'{"activity_type": "call", "contact_id": "c_OTHER", "duration_minutes": 5}');
INSERT INTO responses SELECT 'list', clarky.contact_activities('c_01HXYZ', 'call');

SELECT is(keys_of((SELECT response FROM responses WHERE example = 'list')),
	ARRAY['data', 'pagination'], 'list calls: exactly the top-level keys data and pagination');
SELECT is(json_typeof((SELECT response -> 'data' FROM responses WHERE example = 'list')),
	'array', 'list calls: data is an array');
SELECT is(json_array_length((SELECT response -> 'data' FROM responses WHERE example = 'list')),
	1, 'list calls: one call');
SELECT is(keys_of((SELECT response -> 'pagination' FROM responses WHERE example = 'list')),
	ARRAY['page', 'page_size', 'total', 'total_pages'], 'list calls: pagination keys, in order');
SELECT is((SELECT (response -> 'pagination')::jsonb FROM responses WHERE example = 'list'),
	'{"page": 1, "page_size": 25, "total": 1, "total_pages": 1}'::jsonb,
	'list calls: pagination {"page":1,"page_size":25,"total":1,"total_pages":1}');
SELECT is(types_of((SELECT response -> 'pagination' FROM responses WHERE example = 'list')),
	'page:number page_size:number total:number total_pages:number',
	'list calls: the pagination values are numbers');
SELECT is(keys_of((SELECT response -> 'data' -> 0 FROM responses WHERE example = 'list')),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'list calls: the activity has every key, in order');
SELECT is(types_of((SELECT response -> 'data' -> 0 FROM responses WHERE example = 'list')),
	'id:string contact_id:string company_id:null activity_type:string title:string '
	'description:string due_date:null duration_minutes:number completed_at:string '
	'metadata:object created_at:string occurred_at:string owner_id:null updated_at:string version:number contact_ids:array company_ids:array',
	'list calls: duration_minutes is a number, metadata an object, absent values null');
SELECT is((SELECT response -> 'data' -> 0 ->> 'id' FROM responses WHERE example = 'list'),
	(SELECT response -> 'data' ->> 'id' FROM responses WHERE example = 'call'),
	'list calls: it is the call just logged');
SELECT is((SELECT response -> 'data' -> 0 ->> 'activity_type' FROM responses WHERE example = 'list'),
	'call', 'list calls: activity_type call');
SELECT is((SELECT response -> 'data' -> 0 ->> 'title' FROM responses WHERE example = 'list'),
	'Discovery call', 'list calls: title');
SELECT is((SELECT response -> 'data' -> 0 ->> 'description' FROM responses WHERE example = 'list'),
	'Walked through the platform, customer is interested in the Pro plan.',
	'list calls: description');
SELECT is((SELECT (response -> 'data' -> 0 -> 'duration_minutes')::text FROM responses WHERE example = 'list'),
	'32', 'list calls: duration_minutes is the number 32');
SELECT is((SELECT response -> 'data' -> 0 ->> 'completed_at' FROM responses WHERE example = 'list'),
	'2026-04-29T15:30:00.000Z', 'list calls: completed_at 2026-04-29T15:30:00.000Z');
SELECT is((SELECT (response -> 'data' -> 0 -> 'metadata')::jsonb FROM responses WHERE example = 'list'),
	'{"outcome": "qualified"}'::jsonb, 'list calls: metadata {"outcome": "qualified"}');
SELECT is((SELECT response -> 'data' -> 0 ->> 'created_at' FROM responses WHERE example = 'list'),
	now_rendered(), 'list calls: created_at is the moment of logging');
SELECT is((SELECT (response -> 'data' -> 0)::text FROM responses WHERE example = 'list'),
	(SELECT (response -> 'data')::text FROM responses WHERE example = 'call'),
	'list calls: the listed activity is exactly the text log_activity returned');
SELECT is((SELECT response::text FROM responses WHERE example = 'list'),
	format('{"data": [{"id": "%s", "contact_id": "c_01HXYZ", "company_id": null, '
		   '"activity_type": "call", "title": "Discovery call", '
		   '"description": "Walked through the platform, customer is interested in the Pro plan.", '
		   '"due_date": null, "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", '
		   '"metadata": {"outcome": "qualified"}, "created_at": "%s", "occurred_at": "%s", '
		   '"owner_id": null, "updated_at": "%s", "version": 1, "contact_ids": ["c_01HXYZ"], "company_ids": []}], '
		   '"pagination": {"page": 1, "page_size": 25, "total": 1, "total_pages": 1}}',
		   (SELECT id FROM clarky.activities WHERE contact_id = 'c_01HXYZ' AND activity_type = 'call'),
		   now_rendered(), now_rendered(), now_rendered()),
	'list calls: the whole response text');
SELECT is(clarky.contact_activities('c_01HXYZ', 'call')::text,
	(SELECT response::text FROM responses WHERE example = 'list'),
	'list calls: listing again gives the same text');
SELECT is(clarky.contact_activities(contact_id => 'c_01HXYZ', activity_type => 'call')::text,
	(SELECT response::text FROM responses WHERE example = 'list'),
	'list calls: named arguments give the same text');

------------------------------------------------------------------------------
-- Every timestamp of every response above has the API's format
------------------------------------------------------------------------------

SELECT is(
	(SELECT array_agg(DISTINCT v) FROM (
		SELECT a ->> k AS v
		  FROM responses r,
			   LATERAL (SELECT r.response -> 'data' AS a WHERE json_typeof(r.response -> 'data') = 'object'
						UNION ALL
						SELECT e FROM json_array_elements(CASE WHEN json_typeof(r.response -> 'data') = 'array'
															  THEN r.response -> 'data' END) AS e) AS acts,
			   unnest(ARRAY['due_date', 'completed_at', 'created_at', 'occurred_at', 'updated_at']) AS k
		 WHERE a ->> k IS NOT NULL) AS s
	  WHERE v !~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$'),
	NULL,
	'every timestamp in every response matches YYYY-MM-DDTHH:MM:SS.mmmZ');

------------------------------------------------------------------------------
-- The contact's whole timeline: the three examples, newest first
------------------------------------------------------------------------------

SELECT is(
	(SELECT array_agg(e ->> 'activity_type' ORDER BY o)
	   FROM json_array_elements(clarky.contact_activities('c_01HXYZ') -> 'data')
			WITH ORDINALITY AS x(e, o)),
	ARRAY['call', 'task', 'note'],
	'the contact''s timeline: call, task, note (same occurred_at, so newest id first)');
SELECT is((clarky.contact_activities('c_01HXYZ') -> 'pagination')::jsonb,
	'{"page": 1, "page_size": 25, "total": 3, "total_pages": 1}'::jsonb,
	'the contact''s timeline counts the three, not the other contact''s call');
SELECT is((clarky.contact_activities('c_01HXYZ', 'task') -> 'data' -> 0)::text,
	(SELECT (response -> 'data')::text FROM responses WHERE example = 'task'),
	'the task, listed by type, is exactly the text log_activity returned');
SELECT is((clarky.contact_activities('c_01HXYZ', 'note') -> 'data' -> 0)::text,
	(SELECT (response -> 'data')::text FROM responses WHERE example = 'note'),
	'the note, listed by type, is exactly the text log_activity returned');
SELECT is((clarky.contact_activities('c_01HXYZ', 'meeting'))::jsonb,
	'{"data": [], "pagination": {"page": 1, "page_size": 25, "total": 0, "total_pages": 0}}'::jsonb,
	'the contact has no meetings: empty data, total 0');

------------------------------------------------------------------------------
-- The company variant of the example
------------------------------------------------------------------------------

INSERT INTO responses SELECT 'company call', clarky.log_activity('{
	"activity_type": "call", "company_id": "co_01HACME", "duration_minutes": 32,
	"completed_at": "2026-04-29T15:30:00.000Z", "metadata": {"outcome": "qualified"}}');

SELECT is(types_of((SELECT response -> 'data' FROM responses WHERE example = 'company call')),
	'id:string contact_id:null company_id:string activity_type:string title:null '
	'description:null due_date:null duration_minutes:number completed_at:string '
	'metadata:object created_at:string occurred_at:string owner_id:null updated_at:string version:number contact_ids:array company_ids:array',
	'a call logged against a company only: contact_id null, company_id a string');
SELECT is((clarky.company_activities('co_01HACME', 'call') -> 'data' -> 0)::text,
	(SELECT (response -> 'data')::text FROM responses WHERE example = 'company call'),
	'the company''s calls list it, as log_activity returned it');
SELECT is((clarky.company_activities('co_01HACME', 'call') -> 'pagination')::jsonb,
	'{"page": 1, "page_size": 25, "total": 1, "total_pages": 1}'::jsonb,
	'the company''s calls: pagination total 1');

SELECT * FROM finish();
ROLLBACK;
