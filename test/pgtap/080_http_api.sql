-- 080_http_api.sql: the clarky_api functions as PostgREST calls them.
--
-- pg_temp.http() replays what PostgREST 12 does for a request (see
-- src/http_api.c and README.md, "API keys, scopes and workspaces"): switch to the anonymous role, set request.* settings
-- transaction-locally, run clarky_api.pre_request(), call the function, and
-- read response.status.  The real HTTP path is tested in test/http/.
BEGIN;
SELECT plan(130);

CREATE FUNCTION pg_temp.http(api_key text, call text, method text DEFAULT 'GET',
							 claims jsonb DEFAULT '{"role": "clarky_anon"}',
							 more_headers jsonb DEFAULT '{}')
RETURNS TABLE (status integer, body jsonb, body_text text, headers text)
LANGUAGE plpgsql AS $$
DECLARE
	result json;
BEGIN
	PERFORM set_config('response.status', '', true),
			set_config('response.headers', '', true),
			set_config('role', claims ->> 'role', true),
			set_config('request.jwt.claims', claims::text, true),
			set_config('request.method', method, true),
			set_config('request.headers',
					   (CASE WHEN api_key IS NULL THEN '{}'
							 ELSE jsonb_build_object('x-api-key', api_key) END || more_headers)::text, true);
	PERFORM clarky_api.pre_request();
	EXECUTE 'SELECT ' || call INTO result;
	PERFORM set_config('role', 'none', true);
	status := coalesce(nullif(current_setting('response.status', true), '')::integer, 200);
	body := result::jsonb;
	body_text := result::text;
	headers := nullif(current_setting('response.headers', true), '');
	RETURN NEXT;
END
$$;

-- An error answer: status, code, field, and the envelope's exact keys
CREATE FUNCTION pg_temp.is_error(got_status integer, body_text text, status integer, code text,
								 field text, description text)
RETURNS text LANGUAGE sql AS $$
	SELECT is(
		ARRAY[got_status::text, body_text::jsonb #>> '{error,code}',
			  body_text::jsonb #>> '{error,details,field}',
			  (SELECT string_agg(k, ',') FROM json_object_keys((body_text::json) -> 'error') k),
			  (SELECT string_agg(k, ',') FROM json_object_keys(body_text::json) k)],
		ARRAY[status::text, code, field, 'code,message,details', 'error'],
		description)
$$;

CREATE TEMP TABLE keys AS
SELECT clarky.create_api_key('ws_a', ARRAY['read', 'write'], 'a writer') AS a_write,
	   clarky.create_api_key('ws_a', ARRAY['read'], 'a reader') AS a_read,
	   clarky.create_api_key('ws_b', ARRAY['read', 'write'], 'b writer') AS b_write;
GRANT SELECT ON keys TO PUBLIC;

CREATE TEMP TABLE r (name text PRIMARY KEY, status integer, body jsonb, body_text text, headers text);
GRANT ALL ON r TO PUBLIC;

------------------------------------------------------------------------------
-- The API schema
------------------------------------------------------------------------------

SELECT functions_are('clarky_api',
	ARRAY['contact_activities', 'company_activities', 'log_activity', 'pre_request',
		  'get_activity', 'update_activity', 'delete_activity', 'restore_activity',
		  'add_contact_to_company', 'remove_contact_from_company', 'company_contacts'],
	'clarky_api holds exactly the HTTP-facing functions');
SELECT volatility_is('clarky_api', 'get_activity', ARRAY[]::text[], 'stable',
	'get_activity is STABLE: GET runs read-only');
SELECT bag_eq($$SELECT p.oid::regprocedure::text, p.provolatile::text FROM pg_proc p
				WHERE p.pronamespace = 'clarky_api'::regnamespace
				  AND p.proname IN ('update_activity', 'delete_activity', 'restore_activity')$$,
	$$VALUES ('clarky_api.update_activity(jsonb)', 'v'), ('clarky_api.delete_activity()', 'v'),
			 ('clarky_api.restore_activity()', 'v')$$,
	'update_activity (the body, one unnamed jsonb), delete_activity and restore_activity are VOLATILE: POST runs read-write');
SELECT function_returns('clarky_api', 'contact_activities', ARRAY['text', 'text', 'text', 'text'], 'json',
	'contact_activities takes text parameters (validated in C) and returns json');
SELECT function_returns('clarky_api', 'log_activity', ARRAY['jsonb'], 'json',
	'log_activity takes the raw body as a single unnamed jsonb');
SELECT is((SELECT proargnames FROM pg_proc WHERE oid = 'clarky_api.log_activity(jsonb)'::regprocedure),
	NULL, 'log_activity''s parameter is unnamed, so PostgREST passes the raw body');
SELECT volatility_is('clarky_api', 'contact_activities', ARRAY['text', 'text', 'text', 'text'], 'stable',
	'the contact timeline is STABLE: GET runs read-only');
SELECT volatility_is('clarky_api', 'log_activity', ARRAY['jsonb'], 'volatile',
	'log_activity is VOLATILE: POST runs read-write');
SELECT ok(bool_and(obj_description(p.oid, 'pg_proc') ~ E'^[^\n]+\n\n.+'),
	'every API function has a summary line, a blank line and a description (OpenAPI)')
FROM pg_proc p WHERE p.pronamespace = 'clarky_api'::regnamespace AND p.proname <> 'pre_request';
SELECT isnt(obj_description('clarky_api'::regnamespace, 'pg_namespace'), NULL,
	'schema clarky_api has a comment (the OpenAPI title)');

------------------------------------------------------------------------------
-- Logging: 201 with {"data": ...}
------------------------------------------------------------------------------

INSERT INTO r SELECT 'log note', * FROM pg_temp.http((SELECT a_write FROM keys),
	$$clarky_api.log_activity('{"activity_type": "note", "contact_id": "c_01HXYZ", "title": "Follow-up needed", "description": "Customer asked about migration help next quarter."}')$$,
	'POST');
SELECT is(status, 201, 'a write key logs an activity: 201') FROM r WHERE name = 'log note';
SELECT is((SELECT array_agg(k) FROM json_object_keys(body_text::json -> 'data') k),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description', 'due_date',
		  'duration_minutes', 'completed_at', 'metadata', 'created_at', 'occurred_at',
		  'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'the created activity has the seed''s keys in order, then occurred_at, owner_id, updated_at, version, contact_ids, company_ids') FROM r WHERE name = 'log note';
SELECT is((SELECT array_agg(k) FROM json_object_keys(body_text::json) k), ARRAY['data'],
	'the answer is {"data": ...}') FROM r WHERE name = 'log note';
SELECT is((SELECT workspace_id FROM clarky.activities WHERE id = body #>> '{data,id}'), 'ws_a',
	'the activity lands in the key''s workspace') FROM r WHERE name = 'log note';

INSERT INTO r SELECT 'log call', * FROM pg_temp.http((SELECT a_write FROM keys),
	$$clarky_api.log_activity('{"activity_type": "call", "contact_id": "c_01HXYZ", "title": "Discovery call", "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "metadata": {"outcome": "qualified"}}')$$,
	'POST');
SELECT is(status, 201, 'a call is logged: 201') FROM r WHERE name = 'log call';

------------------------------------------------------------------------------
-- Reading: 200 with {"data": [...], "pagination": ...}
------------------------------------------------------------------------------

INSERT INTO r SELECT 'list calls', * FROM pg_temp.http((SELECT a_read FROM keys),
	$$clarky_api.contact_activities(contact_id => 'c_01HXYZ', activity_type => 'call')$$);
SELECT is(status, 200, 'a read key lists a contact''s calls: 200') FROM r WHERE name = 'list calls';
SELECT is(body -> 'pagination', '{"page": 1, "page_size": 25, "total": 1, "total_pages": 1}',
	'the call list has the seed''s pagination') FROM r WHERE name = 'list calls';
SELECT is(body #>> '{data,0,title}', 'Discovery call', 'and the call') FROM r WHERE name = 'list calls';
SELECT is(body #> '{data,0,duration_minutes}', '32', 'duration_minutes is the number 32')
FROM r WHERE name = 'list calls';

INSERT INTO r SELECT 'list all', * FROM pg_temp.http((SELECT a_read FROM keys),
	$$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page => '1', page_size => '1')$$);
SELECT is(body -> 'pagination', '{"page": 1, "page_size": 1, "total": 2, "total_pages": 2}',
	'page and page_size arrive as text and paginate') FROM r WHERE name = 'list all';

INSERT INTO r SELECT 'company', * FROM pg_temp.http((SELECT a_write FROM keys),
	$$clarky_api.log_activity('{"activity_type": "meeting", "company_id": "co_ACME"}')$$, 'POST');
INSERT INTO r SELECT 'company list', * FROM pg_temp.http((SELECT a_read FROM keys),
	$$clarky_api.company_activities(company_id => 'co_ACME')$$);
SELECT is(ARRAY[status::text, body #>> '{data,0,activity_type}', body #>> '{pagination,total}'],
	ARRAY['200', 'meeting', '1'], 'a company''s timeline: 200 with its activity')
FROM r WHERE name = 'company list';

------------------------------------------------------------------------------
-- 422 validation_error, naming the field; nothing written
------------------------------------------------------------------------------

CREATE TEMP TABLE before AS SELECT count(*) AS n FROM clarky.activities;
GRANT SELECT ON before TO PUBLIC;

SELECT pg_temp.is_error(h.status, h.body_text, 422, 'validation_error', f, d)
FROM (VALUES
	('bad type on GET', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', activity_type => 'phone')$$, 'activity_type'),
	('empty type on GET', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', activity_type => '')$$, 'activity_type'),
	('page 0', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page => '0')$$, 'page'),
	('page -1', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page => '-1')$$, 'page'),
	('page abc', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page => 'abc')$$, 'page'),
	('page 1.5', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page => '1.5')$$, 'page'),
	('page empty', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page => '')$$, 'page'),
	('page huge', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page => '99999999999')$$, 'page'),
	('page_size 101', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page_size => '101')$$, 'page_size'),
	('page_size 0', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page_size => '0')$$, 'page_size'),
	('page_size " 5"', $$clarky_api.contact_activities(contact_id => 'c_01HXYZ', page_size => ' 5')$$, 'page_size'),
	('no contact_id', $$clarky_api.contact_activities()$$, 'contact_id'),
	('empty contact_id', $$clarky_api.contact_activities(contact_id => '')$$, 'contact_id'),
	('empty company_id', $$clarky_api.company_activities(company_id => '')$$, 'company_id')
) AS t(d, call, f),
LATERAL pg_temp.http((SELECT a_read FROM keys), call) AS h;

SELECT pg_temp.is_error(h.status, h.body_text, 422, 'validation_error', f, d)
FROM (VALUES
	('bad type on POST', '{"activity_type": "phone", "contact_id": "c1"}', 'activity_type'),
	('missing type', '{"contact_id": "c1"}', 'activity_type'),
	('missing contact and company', '{"activity_type": "note"}', 'contact_id'),
	('bad timestamp', '{"activity_type": "task", "contact_id": "c1", "due_date": "tomorrow"}', 'due_date'),
	('impossible date', '{"activity_type": "task", "contact_id": "c1", "due_date": "2026-02-30"}', 'due_date'),
	('unknown field', '{"activity_type": "note", "contactId": "c1"}', 'contactId'),
	('duration as a string', '{"activity_type": "call", "contact_id": "c1", "duration_minutes": "32"}', 'duration_minutes'),
	('negative duration', '{"activity_type": "call", "contact_id": "c1", "duration_minutes": -1}', 'duration_minutes'),
	('title too long', '{"activity_type": "note", "contact_id": "c1", "title": "' || repeat('x', 1001) || '"}', 'title'),
	('metadata an array', '{"activity_type": "note", "contact_id": "c1", "metadata": [1]}', 'metadata')
) AS t(d, payload, f),
LATERAL pg_temp.http((SELECT a_write FROM keys),
	pg_catalog.format('clarky_api.log_activity(%L)', payload), 'POST') AS h;

SELECT is((SELECT count(*) FROM clarky.activities), (SELECT n FROM before),
	'no validation error wrote a row');

------------------------------------------------------------------------------
-- 400 bad_request
------------------------------------------------------------------------------

SELECT pg_temp.is_error(h.status, h.body_text, 400, 'bad_request', NULL, d)
FROM (VALUES
	('a JSON array body', $$clarky_api.log_activity('[{"activity_type": "note"}]')$$),
	('a JSON string body', $$clarky_api.log_activity('"note"')$$),
	('a null body', $$clarky_api.log_activity(NULL)$$)
) AS t(d, call),
LATERAL pg_temp.http((SELECT a_write FROM keys), call, 'POST') AS h;

------------------------------------------------------------------------------
-- 401 unauthorized and 403 forbidden
------------------------------------------------------------------------------

SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, d)
FROM (VALUES
	('no key: 401', NULL),
	('an empty key: 401', ''),
	('a malformed key: 401', 'ck_live_example'),
	('a key in the wrong alphabet: 401', 'ck_live_' || repeat('I', 30)),
	('an unknown key: 401', 'ck_live_' || repeat('0', 30))
) AS t(d, api_key),
LATERAL pg_temp.http(api_key, $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$) AS h;

INSERT INTO r SELECT 'no key', * FROM pg_temp.http(NULL, $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$);
SELECT is(headers, '[{"WWW-Authenticate": "Bearer"}]', 'a 401 carries WWW-Authenticate')
FROM r WHERE name = 'no key';
SELECT is(body #>> '{error,message}', 'missing API key', 'and says the key is missing')
FROM r WHERE name = 'no key';

SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, 'no key on POST: 401, not a write')
FROM pg_temp.http(NULL, $$clarky_api.log_activity('{"activity_type": "note", "contact_id": "c1"}')$$, 'POST') AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 403, 'forbidden', NULL, 'a read-only key that POSTs: 403')
FROM pg_temp.http((SELECT a_read FROM keys),
	$$clarky_api.log_activity('{"activity_type": "note", "contact_id": "c1"}')$$, 'POST') AS h;
SELECT is((SELECT count(*) FROM clarky.activities), (SELECT n FROM before),
	'no refused request wrote a row');

-- revocation takes effect at the very next request
SELECT is(status, 200, 'a key works before it is revoked')
FROM pg_temp.http((SELECT b_write FROM keys), $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$);
SELECT ok(clarky.revoke_api_key((SELECT b_write FROM keys)), 'revoke_api_key revokes it');
SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, 'a revoked key: 401 at once')
FROM pg_temp.http((SELECT b_write FROM keys), $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$) AS h;

------------------------------------------------------------------------------
-- Workspaces
------------------------------------------------------------------------------

CREATE TEMP TABLE keys2 AS
SELECT clarky.create_api_key('ws_b', ARRAY['read', 'write']) AS b_write;
GRANT SELECT ON keys2 TO PUBLIC;

INSERT INTO r SELECT 'b log', * FROM pg_temp.http((SELECT b_write FROM keys2),
	$$clarky_api.log_activity('{"activity_type": "call", "contact_id": "c_01HXYZ", "title": "B''s call"}')$$, 'POST');
INSERT INTO r SELECT 'b list', * FROM pg_temp.http((SELECT b_write FROM keys2),
	$$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$);
SELECT is(ARRAY[body #>> '{pagination,total}', body #>> '{data,0,title}'], ARRAY['1', 'B''s call'],
	'workspace B sees only its own activity on the same contact id') FROM r WHERE name = 'b list';
INSERT INTO r SELECT 'a list', * FROM pg_temp.http((SELECT a_read FROM keys),
	$$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$);
SELECT is(ARRAY[body #>> '{pagination,total}', (SELECT string_agg(a ->> 'title', ',' ORDER BY a ->> 'title') FROM jsonb_array_elements(body -> 'data') a)],
	ARRAY['2', 'Discovery call,Follow-up needed'],
	'workspace A never sees or counts workspace B''s') FROM r WHERE name = 'a list';
SELECT is((SELECT workspace_id FROM clarky.activities WHERE id = body #>> '{data,id}'), 'ws_b',
	'B''s write landed in B') FROM r WHERE name = 'b log';

------------------------------------------------------------------------------
-- PostgREST JWTs
------------------------------------------------------------------------------

INSERT INTO r SELECT 'jwt', * FROM pg_temp.http(NULL,
	$$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$, 'GET',
	'{"role": "clarky_reader", "workspace_id": "ws_b"}');
SELECT is(ARRAY[status::text, body #>> '{pagination,total}'], ARRAY['200', '1'],
	'a JWT''s role and workspace_id claim are honoured') FROM r WHERE name = 'jwt';
SELECT pg_temp.is_error(h.status, h.body_text, 403, 'forbidden', NULL, 'a reader JWT cannot write')
FROM pg_temp.http(NULL, $$clarky_api.log_activity('{"activity_type": "note", "contact_id": "c1"}')$$,
	'POST', '{"role": "clarky_reader", "workspace_id": "ws_b"}') AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, 'a JWT without workspace_id: 401')
FROM pg_temp.http(NULL, $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$, 'GET',
	'{"role": "clarky_writer"}') AS h;

------------------------------------------------------------------------------
-- One activity by id: the id in X-Clarky-Activity-Id, If-Match, the ETag
------------------------------------------------------------------------------

CREATE TEMP TABLE one AS SELECT body #>> '{data,id}' AS id FROM r WHERE name = 'log note';
GRANT SELECT ON one TO PUBLIC;
CREATE FUNCTION pg_temp.on_id(id text, if_match text DEFAULT NULL) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_build_object('x-clarky-activity-id', id) || CASE WHEN if_match IS NULL THEN '{}'
															  ELSE jsonb_build_object('if-match', if_match) END
$$;

INSERT INTO r SELECT 'get one', * FROM pg_temp.http((SELECT a_read FROM keys), 'clarky_api.get_activity()', 'GET',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one)));
SELECT is(ARRAY[status::text, headers], ARRAY['200', '[{"ETag": "\"1\""}]'],
	'GET an activity: 200, ETag "1" (its version)') FROM r WHERE name = 'get one';
SELECT is(body_text, (SELECT clarky.get_activity(id)::text FROM one WHERE set_config('clarky.workspace_id', 'ws_a', true) IS NOT NULL),
	'GET an activity: the body is get_activity''s {"data": activity}') FROM r WHERE name = 'get one';
SELECT is(status, 200, 'GET with the id percent-encoded (%5F for _): 200')
FROM pg_temp.http((SELECT a_read FROM keys), 'clarky_api.get_activity()', 'GET', '{"role": "clarky_anon"}',
	pg_temp.on_id(replace((SELECT id FROM one), '_', '%5F')));

SELECT pg_temp.is_error(h.status, h.body_text, 404, 'not_found', NULL, d)
FROM (VALUES
	('GET an unknown id: 404 not_found', (SELECT a_read FROM keys), 'a_01ARYZ6S41TSV4RRFFQ69G5FAV'),
	('GET another workspace''s activity: 404, as if unknown', (SELECT b_write FROM keys2), (SELECT id FROM one)),
	('GET an id with a bad escape: 404', (SELECT a_read FROM keys), 'a_%zz')
) AS t(d, k, id),
LATERAL pg_temp.http(k, 'clarky_api.get_activity()', 'GET', '{"role": "clarky_anon"}', pg_temp.on_id(id)) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, 'GET an activity without a key: 401')
FROM pg_temp.http(NULL, 'clarky_api.get_activity()', 'GET', '{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;

-- PATCH
CREATE TEMP TABLE before_patch AS SELECT version, title FROM clarky.activities WHERE id = (SELECT id FROM one);
GRANT SELECT ON before_patch TO PUBLIC;
SELECT pg_temp.is_error(h.status, h.body_text, 403, 'forbidden', NULL, 'PATCH with a read-only key: 403')
FROM pg_temp.http((SELECT a_read FROM keys), $$clarky_api.update_activity('{"title": "nope"}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 422, 'validation_error', f, d)
FROM (VALUES
	('PATCH a title too long: 422 naming title', '{"title": "' || repeat('x', 1001) || '"}', 'title'),
	('PATCH an unknown field: 422 naming it', '{"titel": "x"}', 'titel'),
	('PATCH the version: 422 naming it', '{"version": 9}', 'version'),
	('PATCH clearing activity_type: 422 naming it', '{"activity_type": null}', 'activity_type'),
	('PATCH clearing the only owner: 422 naming contact_id', '{"contact_id": null}', 'contact_id')
) AS t(d, patch, f),
LATERAL pg_temp.http((SELECT a_write FROM keys), format('clarky_api.update_activity(%L)', patch), 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 400, 'bad_request', NULL, 'PATCH with an array body: 400')
FROM pg_temp.http((SELECT a_write FROM keys), $$clarky_api.update_activity('[{"title": "x"}]')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;
SELECT is((SELECT ROW(version, title)::text FROM clarky.activities WHERE id = (SELECT id FROM one)),
	(SELECT ROW(version, title)::text FROM before_patch), 'no refused PATCH changed the activity');

INSERT INTO r SELECT 'patch', * FROM pg_temp.http((SELECT a_write FROM keys),
	$$clarky_api.update_activity('{"title": "Follow-up booked", "metadata": {"stage": "demo"}}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one), '"1"'));
SELECT is(ARRAY[status::text, headers, body #>> '{data,title}', body #>> '{data,version}', body #>> '{data,metadata,stage}'],
	ARRAY['200', '[{"ETag": "\"2\""}]', 'Follow-up booked', '2', 'demo'],
	'PATCH with If-Match "1": 200, the patched activity, ETag "2"') FROM r WHERE name = 'patch';
INSERT INTO r SELECT 'stale patch', * FROM pg_temp.http((SELECT a_write FROM keys),
	$$clarky_api.update_activity('{"title": "stale"}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one), '"1"'));
SELECT is(ARRAY[status::text, body #>> '{error,code}', body #>> '{error,details,current_version}'],
	ARRAY['409', 'conflict', '2'], 'PATCH with a stale If-Match: 409 conflict, details.current_version 2')
FROM r WHERE name = 'stale patch';
SELECT is(status, 409, 'PATCH with a weak If-Match W/"2": 409 (If-Match compares strongly)')
FROM pg_temp.http((SELECT a_write FROM keys), $$clarky_api.update_activity('{"title": "weak"}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one), 'W/"2"'));
SELECT is(ARRAY[status::text, headers], ARRAY['200', '[{"ETag": "\"3\""}]'],
	'PATCH with If-Match *: 200, ETag "3"')
FROM pg_temp.http((SELECT a_write FROM keys), $$clarky_api.update_activity('{"title": "any version"}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one), '*'));
SELECT is((SELECT ROW(version, title)::text FROM clarky.activities WHERE id = (SELECT id FROM one)),
	ROW(3, 'any version')::text, 'the stale and the weak PATCH changed nothing');

-- DELETE and restore
SELECT is(ARRAY[status::text, body #>> '{error,details,current_version}'], ARRAY['409', '3'],
	'DELETE with a stale If-Match: 409')
FROM pg_temp.http((SELECT a_write FROM keys), 'clarky_api.delete_activity()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one), '"2"'));
SELECT pg_temp.is_error(h.status, h.body_text, 403, 'forbidden', NULL, 'DELETE with a read-only key: 403')
FROM pg_temp.http((SELECT a_read FROM keys), 'clarky_api.delete_activity()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;
SELECT is(ARRAY[status::text, coalesce(body_text, '(no body)')], ARRAY['204', '(no body)'],
	'DELETE with If-Match "3": 204, no body')
FROM pg_temp.http((SELECT a_write FROM keys), 'clarky_api.delete_activity()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one), '"3"'));
SELECT pg_temp.is_error(h.status, h.body_text, 404, 'not_found', NULL, d)
FROM (VALUES ('GET a deleted activity: 404', 'clarky_api.get_activity()', (SELECT a_read FROM keys)),
			 ('DELETE it again: 404', 'clarky_api.delete_activity()', (SELECT a_write FROM keys)),
			 ('PATCH it: 404', $$clarky_api.update_activity('{"title": "x"}')$$, (SELECT a_write FROM keys))) AS t(d, call, k),
LATERAL pg_temp.http(k, call, 'POST', '{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;
SELECT is(body #>> '{pagination,total}', '1', 'the deleted note left its contact''s total')
FROM pg_temp.http((SELECT a_read FROM keys), $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$);
INSERT INTO r SELECT 'restore', * FROM pg_temp.http((SELECT a_write FROM keys), 'clarky_api.restore_activity()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one)));
SELECT is(ARRAY[status::text, headers, body #>> '{data,title}', (body -> 'data' ? 'deleted_at')::text],
	ARRAY['200', '[{"ETag": "\"5\""}]', 'any version', 'false'],
	'restore: 200, the activity without deleted_at, ETag "5"') FROM r WHERE name = 'restore';
SELECT pg_temp.is_error(h.status, h.body_text, 404, 'not_found', NULL, 'restoring a live activity: 404')
FROM pg_temp.http((SELECT a_write FROM keys), 'clarky_api.restore_activity()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;
SELECT is(body #>> '{pagination,total}', '2', 'restored, it is counted again')
FROM pg_temp.http((SELECT a_read FROM keys), $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$);
SELECT pg_temp.is_error(h.status, h.body_text, 404, 'not_found', NULL, 'another workspace''s writer cannot delete it: 404')
FROM pg_temp.http((SELECT b_write FROM keys2), 'clarky_api.delete_activity()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.on_id((SELECT id FROM one))) AS h;
SELECT is((SELECT ROW(version, deleted_at)::text FROM clarky.activities WHERE id = (SELECT id FROM one)),
	ROW(5, NULL::timestamptz)::text, 'the activity is live, at version 5');

------------------------------------------------------------------------------
-- A company's contacts: the ids in X-Clarky-Company-Id and X-Clarky-Contact-Id
------------------------------------------------------------------------------

SELECT bag_eq($$SELECT p.oid::regprocedure::text, p.provolatile::text FROM pg_proc p
				WHERE p.pronamespace = 'clarky_api'::regnamespace
				  AND p.proname IN ('add_contact_to_company', 'remove_contact_from_company', 'company_contacts')$$,
	$$VALUES ('clarky_api.add_contact_to_company(jsonb)', 'v'), ('clarky_api.remove_contact_from_company()', 'v'),
			 ('clarky_api.company_contacts(text,text,text)', 's')$$,
	'add_contact_to_company (the body, one jsonb) and remove_contact_from_company are VOLATILE, company_contacts (text parameters) STABLE');
SELECT is((SELECT proargnames FROM pg_proc WHERE oid = 'clarky_api.add_contact_to_company(jsonb)'::regprocedure),
	NULL, 'add_contact_to_company''s parameter is unnamed, so PostgREST passes the raw body');

CREATE FUNCTION pg_temp.member(company text, contact text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('x-clarky-company-id', company, 'x-clarky-contact-id', contact))
$$;
CREATE TEMP TABLE members_before AS SELECT count(*) AS n FROM clarky.company_memberships;
GRANT SELECT ON members_before TO PUBLIC;

SELECT pg_temp.is_error(h.status, h.body_text, 422, 'validation_error', f, d)
FROM (VALUES
	('PUT with backfill a string: 422 naming backfill', '{"backfill": "yes"}', pg_temp.member('co_ACME', 'c_01HXYZ'), 'backfill'),
	('PUT with an unknown field: 422 naming it', '{"backfil": true}', pg_temp.member('co_ACME', 'c_01HXYZ'), 'backfil'),
	('PUT with an empty company id: 422 naming company_id', '{}', pg_temp.member('', 'c_01HXYZ'), 'company_id'),
	('PUT with a bad escape in the contact id: 422 naming contact_id', '{}', pg_temp.member('co_ACME', 'c_%zz'), 'contact_id'),
	('PUT with a contact id of 256 characters: 422 naming contact_id', '{}', pg_temp.member('co_ACME', repeat('c', 256)), 'contact_id'),
	('PUT without the company id header: 422 naming company_id', '{}', pg_temp.member(NULL, 'c_01HXYZ'), 'company_id')
) AS t(d, body, hdrs, f),
LATERAL pg_temp.http((SELECT a_write FROM keys), format('clarky_api.add_contact_to_company(%L)', body), 'POST',
	'{"role": "clarky_anon"}', hdrs) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 400, 'bad_request', NULL, 'PUT with an array body: 400')
FROM pg_temp.http((SELECT a_write FROM keys), $$clarky_api.add_contact_to_company('[true]')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_ACME', 'c_01HXYZ')) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 403, 'forbidden', NULL, 'PUT with a read-only key: 403')
FROM pg_temp.http((SELECT a_read FROM keys), $$clarky_api.add_contact_to_company('{}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_ACME', 'c_01HXYZ')) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, 'PUT without a key: 401')
FROM pg_temp.http(NULL, $$clarky_api.add_contact_to_company('{}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_ACME', 'c_01HXYZ')) AS h;
SELECT is((SELECT count(*) FROM clarky.company_memberships), (SELECT n FROM members_before),
	'no refused PUT added a membership');

INSERT INTO r SELECT 'put', * FROM pg_temp.http((SELECT a_write FROM keys),
	$$clarky_api.add_contact_to_company('{}')$$, 'POST', '{"role": "clarky_anon"}',
	pg_temp.member('co_%41CME', 'c_01HXYZ'));
SELECT is(ARRAY[status::text, (SELECT string_agg(k, ',') FROM json_object_keys(body_text::json -> 'data') k),
				body #>> '{data,company_id}', body #>> '{data,backfilled}'],
	ARRAY['201', 'company_id,contact_id,added_at,backfilled', 'co_ACME', '0'],
	'PUT a new membership (the company id percent-encoded): 201, {"data": {company_id, contact_id, added_at, backfilled}}')
FROM r WHERE name = 'put';
INSERT INTO r SELECT 'put again', * FROM pg_temp.http((SELECT a_write FROM keys),
	$$clarky_api.add_contact_to_company('{"backfill": null}')$$, 'POST', '{"role": "clarky_anon"}',
	pg_temp.member('co_ACME', 'c_01HXYZ'));
SELECT is(ARRAY[status::text, body #>> '{data,added_at}'],
	ARRAY['200', (SELECT body #>> '{data,added_at}' FROM r WHERE name = 'put')],
	'PUT it again: 200, added_at kept') FROM r WHERE name = 'put again';
SELECT is(ARRAY[status::text, body #>> '{data,backfilled}'], ARRAY['201', '2'],
	'PUT with {"backfill": true}: 201, the contact''s two live activities backfilled')
FROM pg_temp.http((SELECT a_write FROM keys), $$clarky_api.add_contact_to_company('{"backfill": true}')$$, 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_BF', 'c_01HXYZ'));
SELECT is(ARRAY[body #>> '{pagination,total}', body #>> '{data,0,contact_id}'], ARRAY['2', 'c_01HXYZ'],
	'the backfilled company''s timeline has them (scope all)')
FROM pg_temp.http((SELECT a_read FROM keys), $$clarky_api.company_activities(company_id => 'co_BF')$$);

INSERT INTO r SELECT 'members', * FROM pg_temp.http((SELECT a_read FROM keys),
	$$clarky_api.company_contacts(company_id => 'co_ACME', page => '1', page_size => '10')$$);
SELECT is(ARRAY[status::text, body #>> '{data,0,contact_id}', (body_text::json -> 'pagination')::text],
	ARRAY['200', 'c_01HXYZ', '{"page": 1, "page_size": 10, "total": 1, "total_pages": 1}'],
	'a read key lists a company''s contacts: 200, paginated') FROM r WHERE name = 'members';
SELECT pg_temp.is_error(h.status, h.body_text, 422, 'validation_error', f, d)
FROM (VALUES
	('list with page_size 0: 422', $$clarky_api.company_contacts(company_id => 'co_ACME', page_size => '0')$$, 'page_size'),
	('list with page abc: 422', $$clarky_api.company_contacts(company_id => 'co_ACME', page => 'abc')$$, 'page'),
	('list without company_id: 422', $$clarky_api.company_contacts()$$, 'company_id')
) AS t(d, call, f),
LATERAL pg_temp.http((SELECT a_read FROM keys), call) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, 'list without a key: 401')
FROM pg_temp.http(NULL, $$clarky_api.company_contacts(company_id => 'co_ACME')$$) AS h;
SELECT is(body #>> '{pagination,total}', '0', 'another workspace sees none of A''s memberships')
FROM pg_temp.http((SELECT b_write FROM keys2), $$clarky_api.company_contacts(company_id => 'co_ACME')$$);

SELECT pg_temp.is_error(h.status, h.body_text, 403, 'forbidden', NULL, 'DELETE a membership with a read-only key: 403')
FROM pg_temp.http((SELECT a_read FROM keys), 'clarky_api.remove_contact_from_company()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_ACME', 'c_01HXYZ')) AS h;
SELECT pg_temp.is_error(h.status, h.body_text, 404, 'not_found', NULL, 'DELETE A''s membership with B''s writer: 404')
FROM pg_temp.http((SELECT b_write FROM keys2), 'clarky_api.remove_contact_from_company()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_ACME', 'c_01HXYZ')) AS h;
SELECT is(ARRAY[status::text, coalesce(body_text, '(no body)')], ARRAY['204', '(no body)'],
	'DELETE a membership: 204, no body')
FROM pg_temp.http((SELECT a_write FROM keys), 'clarky_api.remove_contact_from_company()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_ACME', 'c_01HXYZ'));
SELECT pg_temp.is_error(h.status, h.body_text, 404, 'not_found', NULL, 'DELETE it again: 404 not_found')
FROM pg_temp.http((SELECT a_write FROM keys), 'clarky_api.remove_contact_from_company()', 'POST',
	'{"role": "clarky_anon"}', pg_temp.member('co_ACME', 'c_01HXYZ')) AS h;
SELECT is((SELECT string_agg(company_id, ',' ORDER BY company_id) FROM clarky.company_memberships
		   WHERE workspace_id = 'ws_a' AND contact_id = 'c_01HXYZ'), 'co_BF',
	'the contact now belongs to co_BF only');

------------------------------------------------------------------------------
-- Nothing carries over between requests on one connection
------------------------------------------------------------------------------

SELECT is(status, 200, 'a request with a key...')
FROM pg_temp.http((SELECT a_write FROM keys), $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$);
SELECT pg_temp.is_error(h.status, h.body_text, 401, 'unauthorized', NULL, '...then one without: 401, it sees nothing')
FROM pg_temp.http(NULL, $$clarky_api.contact_activities(contact_id => 'c_01HXYZ')$$) AS h;
SELECT is(ARRAY[current_setting('clarky.workspace_id'), current_setting('clarky.scope')], ARRAY['', ''],
	'the pre-request cleared the earlier workspace and scope');

SELECT * FROM finish();
ROLLBACK;
