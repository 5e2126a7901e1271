-- 140_update_activity.sql: clarky.update_activity, a JSON merge patch
-- (RFC 7396) of one activity, validated as log_activity validates.
--
-- Activities under test are made to look logged long ago (created_at and
-- updated_at 2020-01-01, set by the table's owner), so that a change of
-- updated_at to now() shows.  A refused call is checked for its SQLSTATE and
-- message, the field its error names, and that no activity nor count of any
-- workspace changed.
BEGIN;
SELECT plan(254);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';
SELECT set_config('clarky.workspace_id', 'ws_up', true) \g /dev/null

------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------

\ir include/render.psql
\ir include/error_detail.psql
\ir include/timeline.psql
\ir include/acts.psql
\ir include/activity_life.psql

-- The statement that patches activity id
CREATE FUNCTION upd_sql(id text, patch text, expected_version int DEFAULT NULL) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT format('SELECT clarky.update_activity(%L, %L::jsonb, %s)', id, patch,
				  coalesce(expected_version::text, 'NULL'))
$$;

-- An activity with every field set
CREATE FUNCTION full_payload() RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT '{"activity_type": "call", "contact_id": "c_up", "company_id": "co_up",
			 "title": "Old title", "description": "Old description",
			 "due_date": "2026-05-06T17:00:00Z", "duration_minutes": 30,
			 "completed_at": "2026-04-29T15:30:00Z",
			 "metadata": {"a": 1, "b": {"c": 2, "d": 3}, "arr": [1, 2], "s": "x"},
			 "occurred_at": "2026-04-29T15:00:00Z", "owner_id": "u_old"}'::jsonb
$$;
-- An activity with nothing optional
CREATE FUNCTION bare_payload() RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT '{"activity_type": "note", "contact_id": "c_up"}'::jsonb
$$;

-- The keys whose values differ from before to after, with their new values
-- ("(missing)" for a key gone); updated_at is "now" where it is now()
CREATE FUNCTION diff(before jsonb, after jsonb) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_object_agg(k,
			CASE WHEN NOT after ? k THEN '"(missing)"'::jsonb
				 WHEN k = 'updated_at' AND after ->> k = now_rendered() THEN '"now"'::jsonb
				 ELSE after -> k END), '{}')
	  FROM (SELECT jsonb_object_keys(before || after) AS k) AS ks
	 WHERE before -> k IS DISTINCT FROM after -> k
$$;

-- Patch a fresh activity logged from payload: what the answer changed
-- against get_activity before; "(get differs)" where get_activity after
-- does not return the answer's very text
CREATE FUNCTION patched(payload jsonb, patch jsonb) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	id text := fresh(payload);
	before jsonb := (clarky.get_activity(id) -> 'data')::jsonb;
	answer json := clarky.update_activity(id, patch);
	result jsonb := diff(before, (answer -> 'data')::jsonb);
BEGIN
	IF clarky.get_activity(id)::text IS DISTINCT FROM answer::text THEN
		result := result || '{"(get differs)": true}';
	END IF;
	RETURN result;
END
$$;

-- What a change adds to the differences: version 2, updated_at now
CREATE FUNCTION bumped(d jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT d || '{"version": 2, "updated_at": "now"}'
$$;

------------------------------------------------------------------------------
-- A change: the answer, the stored row, the version and updated_at
------------------------------------------------------------------------------

INSERT INTO acts SELECT 'basic', fresh(full_payload());
CREATE TEMP TABLE answers (n int PRIMARY KEY, answer json);
INSERT INTO answers SELECT 0, clarky.get_activity(id_of('basic'));
INSERT INTO answers SELECT 1, clarky.update_activity(id_of('basic'), '{"title": "New title"}');

SELECT is(keys_of((SELECT answer FROM answers WHERE n = 1)), ARRAY['data'],
	'update_activity answers {"data": activity}');
SELECT is(keys_of((SELECT answer -> 'data' FROM answers WHERE n = 1)),
	ARRAY['id', 'contact_id', 'company_id', 'activity_type', 'title', 'description',
		  'due_date', 'duration_minutes', 'completed_at', 'metadata', 'created_at',
		  'occurred_at', 'owner_id', 'updated_at', 'version', 'contact_ids', 'company_ids'],
	'the activity has every key, in order, and no deleted_at');
SELECT is(diff((SELECT answer -> 'data' FROM answers WHERE n = 0)::jsonb,
			   (SELECT answer -> 'data' FROM answers WHERE n = 1)::jsonb),
	'{"title": "New title", "version": 2, "updated_at": "now"}'::jsonb,
	'only the title changed, with version 2 and updated_at now(); every absent key kept its value');
SELECT is((SELECT answer -> 'data' ->> 'created_at' FROM answers WHERE n = 1), '2020-01-01T00:00:00.000Z',
	'created_at is kept');
SELECT is(clarky.get_activity(id_of('basic'))::text, (SELECT answer::text FROM answers WHERE n = 1),
	'get_activity then returns the very text update_activity answered');
SELECT is(
	(SELECT ROW(title, description, version, updated_at, created_at, deleted_at, workspace_id)::text
	   FROM clarky.activities WHERE id = id_of('basic')),
	ROW('New title', 'Old description', 2, now(), timestamptz '2020-01-01 00:00:00+00',
		NULL::timestamptz, 'ws_up')::text,
	'the stored row: the new title, version 2, updated_at now(), the rest as it was');
SELECT is((clarky.update_activity(id_of('basic'), '{"description": "Newer"}') #>> '{data,version}'), '3',
	'each change adds one to the version: 3');
SELECT is(outcome(upd_sql(id_of('basic'), '{}')),
	'{"sqlstate": "00000", "field": null, "changed": false}'::jsonb,
	'an empty patch writes nothing');
SELECT is((clarky.update_activity(id_of('basic'), '{}') -> 'data')::text,
	(clarky.get_activity(id_of('basic')) -> 'data')::text,
	'an empty patch answers the activity as it is (version 3)');
SELECT is(outcome(upd_sql(id_of('basic'), '{"title": "New title", "description": "Newer"}')),
	'{"sqlstate": "00000", "field": null, "changed": false}'::jsonb,
	'a patch of the current values writes nothing');
SELECT is((SELECT version FROM clarky.activities WHERE id = id_of('basic')), 3,
	'and keeps the version');
SELECT is((clarky.update_activity(id => id_of('basic'), patch => '{"title": "named"}') #>> '{data,title}'),
	'named', 'the parameters are named id and patch');

------------------------------------------------------------------------------
-- A value replaces
------------------------------------------------------------------------------

SELECT is(patched(full_payload(), p::jsonb), bumped(d::jsonb), 'a value replaces ' || what)
FROM (VALUES
	('contact_id (and contact_ids with it)', '{"contact_id": "c_new"}', '{"contact_id": "c_new", "contact_ids": ["c_new"]}'),
	('company_id (and company_ids with it)', '{"company_id": "co_new"}', '{"company_id": "co_new", "company_ids": ["co_new"]}'),
	('activity_type', '{"activity_type": "meeting"}', '{"activity_type": "meeting"}'),
	('title', '{"title": "New title"}', '{"title": "New title"}'),
	('title, by the empty string', '{"title": ""}', '{"title": ""}'),
	('description', '{"description": "New description"}', '{"description": "New description"}'),
	('due_date (offset to UTC)', '{"due_date": "2026-06-01T09:00:00+02:00"}', '{"due_date": "2026-06-01T07:00:00.000Z"}'),
	('duration_minutes', '{"duration_minutes": 45.5}', '{"duration_minutes": 45.5}'),
	('duration_minutes, by 0', '{"duration_minutes": 0}', '{"duration_minutes": 0}'),
	('duration_minutes, by 1000000', '{"duration_minutes": 1000000}', '{"duration_minutes": 1000000}'),
	('completed_at (a bare date: midnight UTC)', '{"completed_at": "2026-05-01"}', '{"completed_at": "2026-05-01T00:00:00.000Z"}'),
	('occurred_at', '{"occurred_at": "2025-12-31T23:59:59.999Z"}', '{"occurred_at": "2025-12-31T23:59:59.999Z"}'),
	('owner_id', '{"owner_id": "u_new"}', '{"owner_id": "u_new"}'),
	('several fields at once, one version more',
	 '{"title": "T", "owner_id": "u_2", "duration_minutes": 1.25, "activity_type": "todo"}',
	 '{"title": "T", "owner_id": "u_2", "duration_minutes": 1.25, "activity_type": "todo"}')
) AS t(what, p, d);

SELECT is(patched(bare_payload(), p::jsonb), bumped(d::jsonb), 'a value sets ' || what)
FROM (VALUES
	('an absent company_id', '{"company_id": "co_new"}', '{"company_id": "co_new", "company_ids": ["co_new"]}'),
	('an absent title', '{"title": "T"}', '{"title": "T"}'),
	('an absent due_date', '{"due_date": "2026-06-01"}', '{"due_date": "2026-06-01T00:00:00.000Z"}'),
	('an absent duration_minutes', '{"duration_minutes": 5}', '{"duration_minutes": 5}'),
	('an absent owner_id', '{"owner_id": "u_new"}', '{"owner_id": "u_new"}'),
	('empty metadata', '{"metadata": {"k": [1, {"x": "y"}]}}', '{"metadata": {"k": [1, {"x": "y"}]}}')
) AS t(what, p, d);

SELECT is(patched(full_payload(), jsonb_build_object('owner_id', repeat('ü', 255))),
	bumped(jsonb_build_object('owner_id', repeat('ü', 255))), 'an owner_id of 255 two-byte characters');
SELECT is(patched(full_payload(), jsonb_build_object('title', repeat('€', 1000))),
	bumped(jsonb_build_object('title', repeat('€', 1000))), 'a title of exactly 1000 characters');

------------------------------------------------------------------------------
-- null clears
------------------------------------------------------------------------------

SELECT is(patched(full_payload(), p::jsonb), bumped(d::jsonb), 'null clears ' || what)
FROM (VALUES
	('contact_id (the company remains)', '{"contact_id": null}', '{"contact_id": null, "contact_ids": []}'),
	('company_id (the contact remains)', '{"company_id": null}', '{"company_id": null, "company_ids": []}'),
	('title', '{"title": null}', '{"title": null}'),
	('description', '{"description": null}', '{"description": null}'),
	('due_date', '{"due_date": null}', '{"due_date": null}'),
	('duration_minutes', '{"duration_minutes": null}', '{"duration_minutes": null}'),
	('completed_at', '{"completed_at": null}', '{"completed_at": null}'),
	('owner_id', '{"owner_id": null}', '{"owner_id": null}'),
	('metadata, to {}', '{"metadata": null}', '{"metadata": {}}'),
	('several fields at once', '{"title": null, "description": null, "owner_id": null}',
	 '{"title": null, "description": null, "owner_id": null}'),
	('one owner while setting the other', '{"contact_id": null, "company_id": "co_other"}',
	 '{"contact_id": null, "contact_ids": [], "company_id": "co_other", "company_ids": ["co_other"]}')
) AS t(what, p, d);

SELECT is(patched('{"activity_type": "note", "contact_id": "c_up"}', '{"contact_id": null, "company_id": "co_x"}'),
	bumped('{"contact_id": null, "contact_ids": [], "company_id": "co_x", "company_ids": ["co_x"]}'),
	'a contact-only activity moved to a company in one patch');

------------------------------------------------------------------------------
-- metadata: merged by the same rules, recursively
------------------------------------------------------------------------------

-- the full activity's metadata is {"a": 1, "b": {"c": 2, "d": 3}, "arr": [1, 2], "s": "x"}
SELECT is(patched(full_payload(), jsonb_build_object('metadata', p::jsonb)),
	bumped(jsonb_build_object('metadata', d::jsonb)), 'metadata: ' || what)
FROM (VALUES
	('a value replaces a key', '{"a": 2}', '{"a": 2, "b": {"c": 2, "d": 3}, "arr": [1, 2], "s": "x"}'),
	('a new key is added', '{"z": true}', '{"a": 1, "b": {"c": 2, "d": 3}, "arr": [1, 2], "s": "x", "z": true}'),
	('null removes a key', '{"a": null}', '{"b": {"c": 2, "d": 3}, "arr": [1, 2], "s": "x"}'),
	('a nested object is merged', '{"b": {"c": null, "e": 4}}', '{"a": 1, "b": {"d": 3, "e": 4}, "arr": [1, 2], "s": "x"}'),
	('a nested value becomes an object', '{"b": {"c": {"deep": true}}}', '{"a": 1, "b": {"c": {"deep": true}, "d": 3}, "arr": [1, 2], "s": "x"}'),
	('a nested object emptied stays, as {}', '{"b": {"c": null, "d": null}}', '{"a": 1, "b": {}, "arr": [1, 2], "s": "x"}'),
	('an array replaces an array', '{"arr": [3]}', '{"a": 1, "b": {"c": 2, "d": 3}, "arr": [3], "s": "x"}'),
	('an array is taken whole, nulls and all', '{"arr": [null, {"x": null}]}', '{"a": 1, "b": {"c": 2, "d": 3}, "arr": [null, {"x": null}], "s": "x"}'),
	('a scalar replaces an object', '{"b": 5}', '{"a": 1, "b": 5, "arr": [1, 2], "s": "x"}'),
	('an array replaces an object', '{"b": [1]}', '{"a": 1, "b": [1], "arr": [1, 2], "s": "x"}'),
	('an object replaces a scalar, without its nulls', '{"s": {"x": 1, "y": null}}', '{"a": 1, "b": {"c": 2, "d": 3}, "arr": [1, 2], "s": {"x": 1}}'),
	('an object replaces an array', '{"arr": {"k": "v"}}', '{"a": 1, "b": {"c": 2, "d": 3}, "arr": {"k": "v"}, "s": "x"}'),
	('a new nested object loses its nulls at every depth', '{"n": {"deep": {"er": true, "gone": null}, "gone": null}}',
	 '{"a": 1, "b": {"c": 2, "d": 3}, "arr": [1, 2], "s": "x", "n": {"deep": {"er": true}}}'),
	('several keys at once', '{"b": null, "arr": null, "s": null}', '{"a": 1}'),
	('every key removed leaves {}', '{"a": null, "b": null, "arr": null, "s": null}', '{}'),
	('a JSON null string is a value', '{"a": "null"}', '{"a": "null", "b": {"c": 2, "d": 3}, "arr": [1, 2], "s": "x"}')
) AS t(what, p, d);

------------------------------------------------------------------------------
-- A patch that changes no value: nothing written, version and updated_at kept
------------------------------------------------------------------------------

SELECT is(patched(full_payload(), p::jsonb), '{}'::jsonb, 'no change: ' || what)
FROM (VALUES
	('the empty patch {}', '{}'),
	('the current title', '{"title": "Old title"}'),
	('the current type', '{"activity_type": "call"}'),
	('the current contact and company', '{"contact_id": "c_up", "company_id": "co_up"}'),
	('the current due_date, written with another offset', '{"due_date": "2026-05-06T19:00:00+02:00"}'),
	('the current occurred_at, with milliseconds', '{"occurred_at": "2026-04-29T15:00:00.000Z"}'),
	('the current duration', '{"duration_minutes": 30}'),
	('the current owner', '{"owner_id": "u_old"}'),
	('metadata {}', '{"metadata": {}}'),
	('metadata removing a key it has not', '{"metadata": {"zzz": null}}'),
	('metadata with the current values', '{"metadata": {"a": 1, "b": {"c": 2}, "arr": [1, 2]}}'),
	('metadata merging {} into an object', '{"metadata": {"b": {}}}'),
	('several current values', '{"title": "Old title", "owner_id": "u_old", "metadata": {"s": "x"}, "completed_at": "2026-04-29T15:30:00Z"}')
) AS t(what, p);

SELECT is(patched(bare_payload(), p::jsonb), '{}'::jsonb, 'no change: ' || what)
FROM (VALUES
	('clearing what is absent', '{"title": null, "due_date": null, "owner_id": null, "company_id": null, "duration_minutes": null}'),
	('metadata null on {}', '{"metadata": null}'),
	('metadata removing from {}', '{"metadata": {"a": null}}')
) AS t(what, p);

INSERT INTO acts SELECT 'noop', fresh(full_payload());
SELECT is(outcome(upd_sql(id_of('noop'), p)),
	'{"sqlstate": "00000", "field": null, "changed": false}'::jsonb,
	'no change: ' || what || ' writes no row nor count')
FROM (VALUES
	('the empty patch {}', '{}'),
	('the current values', '{"title": "Old title", "activity_type": "call", "metadata": {"a": 1}}')
) AS t(what, p);
SELECT is(
	(SELECT ROW(version, updated_at)::text FROM clarky.activities WHERE id = id_of('noop')),
	ROW(1, timestamptz '2020-01-01 00:00:00+00')::text,
	'after patches that change nothing: version 1, updated_at as it was');

------------------------------------------------------------------------------
-- Refused patches: every field validated as log_activity validates it
------------------------------------------------------------------------------

INSERT INTO acts SELECT 'target', fresh(full_payload());
INSERT INTO acts SELECT 'contact only', fresh('{"activity_type": "note", "contact_id": "c_up"}');
INSERT INTO acts SELECT 'company only', fresh('{"activity_type": "note", "company_id": "co_up"}');

-- wrong JSON types
SELECT refuses(upd_sql(id_of('target'), p), '22023', m, f, 'wrong type: ' || what)
FROM (VALUES
	('activity_type a number', '{"activity_type": 1}', 'field "activity_type" must be a string', 'activity_type'),
	('contact_id a number', '{"contact_id": 123}', 'field "contact_id" must be a string', 'contact_id'),
	('company_id a boolean', '{"company_id": true}', 'field "company_id" must be a string', 'company_id'),
	('owner_id a number', '{"owner_id": 5}', 'field "owner_id" must be a string', 'owner_id'),
	('title a number', '{"title": 42}', 'field "title" must be a string', 'title'),
	('description an object', '{"description": {"text": "x"}}', 'field "description" must be a string', 'description'),
	('due_date a number', '{"due_date": 1714400000}', 'field "due_date" must be an ISO 8601 timestamp string', 'due_date'),
	('completed_at a boolean', '{"completed_at": true}', 'field "completed_at" must be an ISO 8601 timestamp string', 'completed_at'),
	('occurred_at an array', '{"occurred_at": ["2026-04-29"]}', 'field "occurred_at" must be an ISO 8601 timestamp string', 'occurred_at'),
	('duration_minutes a string', '{"duration_minutes": "32"}', 'field "duration_minutes" must be a number', 'duration_minutes'),
	('metadata an array', '{"metadata": [1]}', 'field "metadata" must be a JSON object', 'metadata'),
	('metadata a string', '{"metadata": "{}"}', 'field "metadata" must be a JSON object', 'metadata')
) AS t(what, p, m, f);

-- values
SELECT refuses(upd_sql(id_of('target'), p), s, m, f, what)
FROM (VALUES
	('activity_type email', '{"activity_type": "email"}', '22023',
	 'field "activity_type" must be one of note, call, meeting, video_call, task, todo, reminder', 'activity_type'),
	('an empty contact_id', '{"contact_id": ""}', '22023', 'field "contact_id" must not be empty', 'contact_id'),
	('an empty company_id', '{"company_id": ""}', '22023', 'field "company_id" must not be empty', 'company_id'),
	('an empty owner_id', '{"owner_id": ""}', '22023', 'field "owner_id" must not be empty', 'owner_id'),
	('due_date "tomorrow"', '{"due_date": "tomorrow"}', '22007', 'field "due_date" is not an ISO 8601 timestamp', 'due_date'),
	('completed_at without offset', '{"completed_at": "2026-04-29T15:30:00"}', '22007', 'field "completed_at" is not an ISO 8601 timestamp', 'completed_at'),
	('occurred_at an empty string', '{"occurred_at": ""}', '22007', 'field "occurred_at" is not an ISO 8601 timestamp', 'occurred_at'),
	('due_date 2026-02-30', '{"due_date": "2026-02-30"}', '22008', 'field "due_date" is out of range', 'due_date'),
	('occurred_at with second 60', '{"occurred_at": "2026-04-29T15:30:60Z"}', '22008', 'field "occurred_at" is out of range', 'occurred_at'),
	('completed_at after 9999', '{"completed_at": "9999-12-31T23:59:59-00:01"}', '22008', 'field "completed_at" is out of range', 'completed_at'),
	('a negative duration', '{"duration_minutes": -1}', '22003', 'field "duration_minutes" must be between 0 and 1000000', 'duration_minutes'),
	('a duration above 1000000', '{"duration_minutes": 1000000.001}', '22003', 'field "duration_minutes" must be between 0 and 1000000', 'duration_minutes'),
	('a valid field beside an invalid one', '{"title": "fine", "duration_minutes": -5}', '22003', 'field "duration_minutes" must be between 0 and 1000000', 'duration_minutes')
) AS t(what, p, s, m, f);

-- lengths
SELECT refuses(upd_sql(id_of('target'), p::text), '22001', m, f, what)
FROM (VALUES
	('a title of 1001 characters', jsonb_build_object('title', repeat('€', 1001)), 'field "title" is too long', 'title'),
	('a description of 100001 characters', jsonb_build_object('description', repeat('d', 100001)), 'field "description" is too long', 'description'),
	('a contact_id of 256 characters', jsonb_build_object('contact_id', repeat('c', 256)), 'field "contact_id" is too long', 'contact_id'),
	('a company_id of 256 characters', jsonb_build_object('company_id', repeat('c', 256)), 'field "company_id" is too long', 'company_id'),
	('an owner_id of 256 characters', jsonb_build_object('owner_id', repeat('é', 256)), 'field "owner_id" is too long', 'owner_id')
) AS t(what, p, m, f);

-- the details are log_activity's
SELECT is(error_detail(upd_sql(id_of('target'), '{"due_date": "2026-02-30"}')),
	'Got "2026-02-30": day 30 does not exist in 2026-02.',
	'the detail of a patch''s error is log_activity''s (a missing day)');
SELECT is(error_detail(upd_sql(id_of('target'), jsonb_build_object('title', repeat('€', 1001))::text)),
	'It has 1001 characters; the limit is 1000.',
	'the detail of a patch''s error is log_activity''s (a title too long)');
SELECT is(error_detail(upd_sql(id_of('target'), '{"activity_type": "email"}')), 'Got "email".',
	'the detail of a patch''s error is log_activity''s (an unknown type)');

-- fields that cannot be cleared, or changed at all
SELECT refuses(upd_sql(id_of('target'), p), '23502', m, f, what)
FROM (VALUES
	('activity_type null', '{"activity_type": null}', 'field "activity_type" cannot be cleared', 'activity_type'),
	('occurred_at null', '{"occurred_at": null}', 'field "occurred_at" cannot be cleared', 'occurred_at')
) AS t(what, p, m, f);
SELECT refuses(upd_sql(id_of('target'), p), '22023', format('field "%s" cannot be changed', f), f, what)
FROM (VALUES
	('id', '{"id": "a_01ARYZ6S41TSV4RRFFQ69G5FAV"}', 'id'),
	('created_at', '{"created_at": "2026-01-01T00:00:00Z"}', 'created_at'),
	('updated_at', '{"updated_at": "2026-01-01T00:00:00Z"}', 'updated_at'),
	('version', '{"version": 5}', 'version'),
	('version, to null', '{"version": null}', 'version'),
	('deleted_at', '{"deleted_at": "2026-01-01T00:00:00Z"}', 'deleted_at'),
	('deleted_at, to null', '{"deleted_at": null}', 'deleted_at'),
	('workspace_id', '{"workspace_id": "ws_other"}', 'workspace_id'),
	('id, beside a valid title', '{"title": "fine", "id": "a_x"}', 'id')
) AS t(what, p, f);

-- unknown fields
SELECT refuses(upd_sql(id_of('target'), p), '22023', format('unknown field "%s" in activity patch', f), f, what)
FROM (VALUES
	('an unknown field', '{"x": 1}', 'x'),
	('contactId', '{"contactId": "c_new"}', 'contactId'),
	('an unknown field, even null', '{"foo": null}', 'foo'),
	('field names are case sensitive', '{"Title": "T"}', 'Title'),
	('an unknown field beside a valid one', '{"title": "fine", "zzz": 1}', 'zzz')
) AS t(what, p, f);

-- the patch itself
SELECT refuses(upd_sql(id_of('target'), p), '22023', 'activity patch must be a JSON object', NULL, what)
FROM (VALUES
	('an array patch', '[]'),
	('an array holding a valid patch', '[{"title": "x"}]'),
	('a string patch', '"title"'),
	('a number patch', '1'),
	('a JSON null patch', 'null')
) AS t(what, p);
SELECT refuses(format('SELECT clarky.update_activity(%L, NULL)', id_of('target')), '22004',
	'parameter "patch" must not be null', 'patch', 'a NULL patch');

-- the contact-or-company rule holds after the patch
SELECT refuses(upd_sql(id_of(a), p), '23514', 'field "contact_id" or "company_id" is required', 'contact_id', what)
FROM (VALUES
	('clearing the only contact', 'contact only', '{"contact_id": null}'),
	('clearing the only company', 'company only', '{"company_id": null}'),
	('clearing both', 'target', '{"contact_id": null, "company_id": null}'),
	('clearing the only contact beside a valid title', 'contact only', '{"title": "fine", "contact_id": null}')
) AS t(what, a, p);

-- metadata's limits hold for the patch and for the merged result
SELECT refuses(upd_sql(id_of('target'), jsonb_build_object('metadata', jsonb_build_object('k', repeat('x', 65528)))::text),
	'54000', 'field "metadata" is too large', 'metadata', 'a patch''s metadata over 65536 bytes');
SELECT refuses(upd_sql(id_of('target'), '{"metadata": {"a": ' || repeat('[', 32) || repeat(']', 32) || '}}'),
	'54000', 'field "metadata" is nested too deeply', 'metadata', 'a patch''s metadata nested 33 levels');
SELECT is(patched(bare_payload(), ('{"metadata": {"a": ' || repeat('[', 31) || repeat(']', 31) || '}}')::jsonb),
	bumped(('{"metadata": {"a": ' || repeat('[', 31) || repeat(']', 31) || '}}')::jsonb),
	'a patch''s metadata nested 32 levels is taken');

SELECT is(octet_length(jsonb_build_object('k1', repeat('x', 32000), 'k2', repeat('y', 33516))::text), 65536,
	'(test data: these two keys are 65536 bytes as JSON text)');
INSERT INTO acts SELECT 'big', fresh(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_big',
	'metadata', jsonb_build_object('k1', repeat('x', 32000))));
SELECT refuses(upd_sql(id_of('big'), jsonb_build_object('metadata', jsonb_build_object('k2', repeat('y', 33517)))::text),
	'54000', 'field "metadata" is too large', 'metadata',
	'metadata merged to 65537 bytes (each part within the limit)');
SELECT is(outcome(upd_sql(id_of('big'), jsonb_build_object('metadata', jsonb_build_object('k2', repeat('y', 33516)))::text)),
	'{"sqlstate": "00000", "field": null, "changed": true}'::jsonb,
	'metadata merged to exactly 65536 bytes is taken');
SELECT is((SELECT octet_length(metadata::text) FROM clarky.activities WHERE id = id_of('big')), 65536,
	'(and stored whole)');
INSERT INTO acts SELECT 'big2', fresh(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_big',
	'metadata', jsonb_build_object('k1', repeat('x', 60000))));
SELECT is(outcome(upd_sql(id_of('big2'), jsonb_build_object('metadata', jsonb_build_object('k1', NULL, 'k2', repeat('y', 60000)))::text)),
	'{"sqlstate": "00000", "field": null, "changed": true}'::jsonb,
	'a key replaced by another as large: the merged size counts, not the sum');

------------------------------------------------------------------------------
-- Which activity: unknown, deleted, another workspace's, NULL
------------------------------------------------------------------------------

SELECT refuses(upd_sql('a_01ARYZ6S41TSV4RRFFQ69G5FAV', '{"title": "x"}'), 'P0002',
	'activity "a_01ARYZ6S41TSV4RRFFQ69G5FAV" not found', 'id', 'an unknown id');
SELECT refuses(upd_sql('a_01ARYZ6S41TSV4RRFFQ69G5FAV', '{}'), 'P0002',
	'activity "a_01ARYZ6S41TSV4RRFFQ69G5FAV" not found', 'id', 'an unknown id, with an empty patch');
SELECT refuses($$SELECT clarky.update_activity(NULL, '{"title": "x"}')$$, '22004',
	'parameter "id" must not be null', 'id', 'a NULL id');
INSERT INTO acts SELECT 'deleted', fresh(full_payload());
SELECT lives_ok(format('SELECT clarky.delete_activity(%L)', id_of('deleted')), '(delete an activity)');
SELECT refuses(upd_sql(id_of('deleted'), '{"title": "x"}'), 'P0002',
	format('activity "%s" not found', id_of('deleted')), 'id', 'a deleted activity');
SELECT set_config('clarky.workspace_id', 'ws_up_other', true) \g /dev/null
SELECT refuses(upd_sql(id_of('target'), '{"title": "x"}'), 'P0002',
	format('activity "%s" not found', id_of('target')), 'id', 'another workspace''s activity');
SELECT set_config('clarky.workspace_id', 'ws_up', true) \g /dev/null

------------------------------------------------------------------------------
-- expected_version
------------------------------------------------------------------------------

INSERT INTO acts SELECT 'versioned', fresh(full_payload());
SELECT is((clarky.update_activity(id_of('versioned'), '{"title": "v2"}', 1) #>> '{data,version}'), '2',
	'the expected version 1, current: the change is made, version 2');
SELECT refuses(upd_sql(id_of('versioned'), '{"title": "x"}', 1), 'CK409',
	format('activity "%s" is not at version 1', id_of('versioned')), NULL,
	'a stale expected version');
SELECT is(error_detail(upd_sql(id_of('versioned'), '{"title": "x"}', 1)), 'The current version is 2.',
	'its detail gives the current version');
SELECT refuses(upd_sql(id_of('versioned'), '{"title": "x"}', 3), 'CK409',
	format('activity "%s" is not at version 3', id_of('versioned')), NULL,
	'an expected version from the future');
SELECT is(error_detail(upd_sql(id_of('versioned'), '{"title": "x"}', 3)), 'The current version is 2.',
	'its detail gives the current version too');
SELECT refuses(upd_sql(id_of('versioned'), '{}', 1), 'CK409',
	format('activity "%s" is not at version 1', id_of('versioned')), NULL,
	'a stale expected version with an empty patch');
SELECT refuses(upd_sql(id_of('versioned'), '{"title": "v2"}', 1), 'CK409',
	format('activity "%s" is not at version 1', id_of('versioned')), NULL,
	'a stale expected version with the current values');
SELECT is((clarky.update_activity(id_of('versioned'), '{"title": "v3"}', 2) #>> '{data,version}'), '3',
	'the expected version 2, current: version 3');
SELECT is(outcome(upd_sql(id_of('versioned'), '{}', 3)),
	'{"sqlstate": "00000", "field": null, "changed": false}'::jsonb,
	'the current expected version and an empty patch: nothing written');
SELECT is((clarky.update_activity(id_of('versioned'), '{"title": "v4"}', NULL) #>> '{data,version}'), '4',
	'expected_version NULL checks nothing: version 4');
SELECT is((clarky.update_activity(id => id_of('versioned'), patch => '{"title": "v5"}', expected_version => 4)
		   #>> '{data,version}'), '5',
	'expected_version by name');
SELECT is((SELECT ROW(title, version, updated_at)::text FROM clarky.activities WHERE id = id_of('versioned')),
	ROW('v5', 5, now())::text, 'the stored row: the last change, version 5');

------------------------------------------------------------------------------
-- Timelines and totals follow the patch
------------------------------------------------------------------------------

SELECT set_config('clarky.workspace_id', 'ws_up_tl', true) \g /dev/null
INSERT INTO acts SELECT 'm1', fresh('{"activity_type": "call", "contact_id": "c_from", "company_id": "co_tl", "title": "m1", "occurred_at": "2026-01-01T10:00:00Z"}');
INSERT INTO acts SELECT 'm2', fresh('{"activity_type": "note", "contact_id": "c_from", "title": "m2", "occurred_at": "2026-01-01T11:00:00Z"}');
INSERT INTO acts SELECT 'm3', fresh('{"activity_type": "note", "contact_id": "c_from", "title": "m3", "occurred_at": "2026-01-01T12:00:00Z"}');

SELECT is(titles_of(clarky.contact_activities('c_from')), ARRAY['m3', 'm2', 'm1'],
	'(the timeline before: newest first)');
SELECT lives_ok(upd_sql(id_of('m1'), '{"occurred_at": "2026-01-01T13:00:00Z"}'), '(m1 moved to 13:00)');
SELECT is(titles_of(clarky.contact_activities('c_from')), ARRAY['m1', 'm3', 'm2'],
	'a new occurred_at moves the activity on its timeline');
SELECT is(titles_of(clarky.contact_activities('c_from', NULL, 2, 1)), ARRAY['m3'],
	'and on its pages');

SELECT lives_ok(upd_sql(id_of('m2'), '{"contact_id": "c_to"}'), '(m2 moved to contact c_to)');
SELECT is(titles_of(clarky.contact_activities('c_from')), ARRAY['m1', 'm3'],
	'a new contact_id takes the activity off the old contact''s timeline');
SELECT is(totals('contact', 'c_from'), ARRAY[2, 2, 2], 'and out of its total (read three ways)');
SELECT is(titles_of(clarky.contact_activities('c_to')), ARRAY['m2'],
	'onto the new contact''s timeline');
SELECT is(totals('contact', 'c_to'), ARRAY[1, 1, 1], 'and into its total');
SELECT is(totals('contact', 'c_from', 'note'), ARRAY[1, 1, 1], 'the old contact''s total of notes');

SELECT lives_ok(upd_sql(id_of('m3'), '{"activity_type": "call"}'), '(m3 became a call)');
SELECT is(totals('contact', 'c_from', 'call'), ARRAY[2, 2, 2], 'a new type counts in its type''s total');
SELECT is(totals('contact', 'c_from', 'note'), ARRAY[0, 0, 0], 'and no longer in the old type''s');
SELECT is(titles_of(clarky.contact_activities('c_from', 'call')), ARRAY['m1', 'm3'],
	'the filtered timeline lists it');

SELECT lives_ok(upd_sql(id_of('m1'), '{"company_id": null}'), '(m1 left its company)');
SELECT is(totals('company', 'co_tl'), ARRAY[0, 0, 0], 'clearing company_id takes it off the company''s total');
SELECT lives_ok(upd_sql(id_of('m2'), '{"company_id": "co_tl"}'), '(m2 joined the company)');
SELECT is(titles_of(clarky.company_activities('co_tl')), ARRAY['m2'],
	'setting company_id puts it on the company''s timeline');
SELECT is(totals('company', 'co_tl', 'note'), ARRAY[1, 1, 1], 'and into its totals');
SELECT is(totals('contact', 'c_to'), ARRAY[1, 1, 1], 'the contact''s total is untouched by a company change');

SELECT * FROM finish();
ROLLBACK;
