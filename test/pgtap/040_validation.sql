-- 040_validation.sql: every validation rule of log_activity and the timelines.
--
-- A refused call is checked four ways: SQLSTATE and message (throws_ok), and
-- the field the error names (its COLUMN_NAME diagnostic) and that nothing was
-- written (outcome()).  "Nothing written" is checked both as an unchanged
-- row count and as no INSERT attempted at all: a BEFORE INSERT trigger counts
-- attempts in a sequence, which a rolled-back subtransaction does not undo.
BEGIN;
SELECT plan(262);

SET LOCAL search_path = public, pg_catalog;
SET LOCAL TimeZone = 'UTC';
SET LOCAL DateStyle = 'ISO, MDY';

------------------------------------------------------------------------------
-- Helpers (dropped with the transaction)
------------------------------------------------------------------------------

\ir include/error_detail.psql

CREATE SEQUENCE insert_attempts;
CREATE FUNCTION count_insert_attempt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM nextval('insert_attempts');
	RETURN NEW;
END
$$;
CREATE TRIGGER count_insert_attempts BEFORE INSERT ON clarky.activities
	FOR EACH ROW EXECUTE FUNCTION count_insert_attempt();

CREATE FUNCTION attempts() RETURNS bigint LANGUAGE sql VOLATILE AS $$
	SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM insert_attempts
$$;

-- The statement that logs payload (NULL: SQL NULL)
CREATE FUNCTION log_sql(payload text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT format('SELECT clarky.log_activity(%L::jsonb)', payload)
$$;

-- Run stmt; report its SQLSTATE, the COLUMN_NAME of its error, the INSERTs it
-- attempted and the rows it added
CREATE FUNCTION outcome(stmt text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	rows_before bigint := (SELECT count(*) FROM clarky.activities);
	attempts_before bigint := attempts();
	v_state text := '00000';
	v_field text;
BEGIN
	BEGIN
		EXECUTE stmt;
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_field = COLUMN_NAME;
	END;
	RETURN jsonb_build_object(
		'sqlstate', v_state,
		'field', nullif(v_field, ''),
		'inserts', attempts() - attempts_before,
		'rows', (SELECT count(*) FROM clarky.activities) - rows_before);
END
$$;

-- Two tests: stmt fails with state and message; its error names field, and
-- no INSERT was attempted nor row written
CREATE FUNCTION refuses(stmt text, state text, message text, field text, description text)
RETURNS SETOF text LANGUAGE plpgsql AS $$
BEGIN
	RETURN NEXT throws_ok(stmt, state, message, description || ': ' || state || ', message');
	RETURN NEXT is(outcome(stmt),
				   jsonb_build_object('sqlstate', state, 'field', field, 'inserts', 0, 'rows', 0),
				   description || ': field ' || coalesce(field, '(none)') || ', nothing written');
END
$$;

-- refuses() for a log_activity payload
CREATE FUNCTION rejects(payload text, state text, message text, field text, description text)
RETURNS SETOF text LANGUAGE sql AS $$
	SELECT refuses(log_sql(payload), state, message, field, description)
$$;

-- One test: the payload is logged (one INSERT, one row)
CREATE FUNCTION accepts(payload text, description text) RETURNS text LANGUAGE sql AS $$
	SELECT is(outcome(log_sql(payload)),
			  '{"sqlstate": "00000", "field": null, "inserts": 1, "rows": 1}'::jsonb,
			  description)
$$;

-- Log payload; the value of col as stored (text, in UTC) and as rendered
CREATE FUNCTION logged(payload text, col text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
	r json := clarky.log_activity(payload::jsonb);
	v text;
BEGIN
	EXECUTE format('SELECT %I::text FROM clarky.activities WHERE id = $1', col)
		INTO STRICT v USING r -> 'data' ->> 'id';
	RETURN jsonb_build_object('stored', v, 'rendered', (r -> 'data' -> col)::jsonb);
END
$$;

-- A valid payload with one more field, as text
CREATE FUNCTION with_field(key text, value jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', key, value)::text
$$;

-- The message of every timestamp error
CREATE FUNCTION not_iso(field text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT format('field "%s" is not an ISO 8601 timestamp', field)
$$;
CREATE FUNCTION out_of_range(field text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT format('field "%s" is out of range', field)
$$;

-- The helpers themselves: a valid payload is accepted and counted
SELECT accepts('{"activity_type": "note", "contact_id": "c_val"}',
	'test helper: a valid payload logs one row, with one INSERT');
SELECT is(outcome($$INSERT INTO clarky.activities (contact_id, activity_type) VALUES (NULL, 'note')$$),
	'{"sqlstate": "23514", "field": null, "inserts": 1, "rows": 0}'::jsonb,
	'test helper: an INSERT that fails after the trigger is counted as attempted');

------------------------------------------------------------------------------
-- Unknown fields
------------------------------------------------------------------------------

SELECT rejects('{"activity_type": "note", "contactId": "c_val"}', '22023',
	'unknown field "contactId" in activity payload', 'contactId', 'unknown field contactId');
SELECT rejects('{"activity_type": "note", "contact_id": "c_val", "id": "a_01HACT"}', '22023',
	'unknown field "id" in activity payload', 'id', 'the client cannot choose the id');
SELECT rejects('{"activity_type": "note", "contact_id": "c_val", "workspace_id": "ws_x"}', '22023',
	'unknown field "workspace_id" in activity payload', 'workspace_id',
	'the client cannot choose the workspace');
SELECT rejects('{"activity_type": "note", "contact_id": "c_val", "created_at": "2026-04-29"}', '22023',
	'unknown field "created_at" in activity payload', 'created_at',
	'the client cannot set created_at');
SELECT rejects('{"activity_type": "note", "contact_id": "c_val", "updated_at": "2026-04-29"}', '22023',
	'unknown field "updated_at" in activity payload', 'updated_at',
	'the client cannot set updated_at');
SELECT rejects('{"activity_type": "note", "contact_id": "c_val", "version": 1}', '22023',
	'unknown field "version" in activity payload', 'version',
	'the client cannot set the version');
SELECT rejects('{"activity_type": "note", "contact_id": "c_val", "deleted_at": null}', '22023',
	'unknown field "deleted_at" in activity payload', 'deleted_at',
	'the client cannot log a deleted activity, not even with deleted_at null');
SELECT rejects('{"activity_type": "note", "contact_id": "c_val", "foo": null}', '22023',
	'unknown field "foo" in activity payload', 'foo', 'an unknown field is refused even when null');
SELECT rejects('{"activity_type": 5, "zzz": 1}', '22023',
	'unknown field "zzz" in activity payload', 'zzz', 'an unknown field is reported before other errors');
SELECT rejects('{"Activity_Type": "note", "contact_id": "c_val"}', '22023',
	'unknown field "Activity_Type" in activity payload', 'Activity_Type', 'field names are case sensitive');

------------------------------------------------------------------------------
-- Wrong JSON types
------------------------------------------------------------------------------

SELECT rejects('{"activity_type": 1, "contact_id": "c_val"}', '22023',
	'field "activity_type" must be a string', 'activity_type', 'activity_type a number');
SELECT rejects('{"activity_type": ["note"], "contact_id": "c_val"}', '22023',
	'field "activity_type" must be a string', 'activity_type', 'activity_type an array');
SELECT rejects(with_field('contact_id', '123'), '22023',
	'field "contact_id" must be a string', 'contact_id', 'contact_id a number');
SELECT rejects(with_field('company_id', 'true'), '22023',
	'field "company_id" must be a string', 'company_id', 'company_id a boolean');
SELECT rejects(with_field('owner_id', '7'), '22023',
	'field "owner_id" must be a string', 'owner_id', 'owner_id a number');
SELECT rejects(with_field('owner_id', '["u_1"]'), '22023',
	'field "owner_id" must be a string', 'owner_id', 'owner_id an array');
SELECT rejects(with_field('title', '42'), '22023',
	'field "title" must be a string', 'title', 'title a number');
SELECT rejects(with_field('description', '{"text": "x"}'), '22023',
	'field "description" must be a string', 'description', 'description an object');
SELECT rejects(with_field('due_date', '1714400000'), '22023',
	'field "due_date" must be an ISO 8601 timestamp string', 'due_date', 'due_date a number');
SELECT rejects(with_field('completed_at', 'true'), '22023',
	'field "completed_at" must be an ISO 8601 timestamp string', 'completed_at', 'completed_at a boolean');
SELECT rejects(with_field('occurred_at', '["2026-04-29"]'), '22023',
	'field "occurred_at" must be an ISO 8601 timestamp string', 'occurred_at', 'occurred_at an array');
SELECT rejects(with_field('duration_minutes', '"32"'), '22023',
	'field "duration_minutes" must be a number', 'duration_minutes', 'duration_minutes a string');
SELECT rejects(with_field('duration_minutes', 'false'), '22023',
	'field "duration_minutes" must be a number', 'duration_minutes', 'duration_minutes a boolean');
SELECT rejects(with_field('metadata', '[]'), '22023',
	'field "metadata" must be a JSON object', 'metadata', 'metadata an array');
SELECT rejects(with_field('metadata', '"{}"'), '22023',
	'field "metadata" must be a JSON object', 'metadata', 'metadata a string');
SELECT rejects(with_field('metadata', '1'), '22023',
	'field "metadata" must be a JSON object', 'metadata', 'metadata a number');
SELECT is(error_detail(log_sql(with_field('metadata', '[]'))), 'Got a JSON array.',
	'a wrong type error tells the JSON type it got');

------------------------------------------------------------------------------
-- JSON null means absent
------------------------------------------------------------------------------

SELECT accepts(with_field('title', 'null'), 'a null title is accepted');
SELECT is(logged(with_field('title', 'null'), 'title'),
	'{"stored": null, "rendered": null}'::jsonb, 'a null title is stored and rendered as null');
SELECT is(
	(clarky.log_activity('{"activity_type": "note", "contact_id": "c_null", "company_id": null,
		"title": null, "description": null, "due_date": null, "duration_minutes": null,
		"completed_at": null, "metadata": null, "occurred_at": null, "owner_id": null}') -> 'data')::jsonb
		- 'id' - 'created_at' - 'occurred_at' - 'updated_at',
	'{"contact_id": "c_null", "company_id": null, "activity_type": "note", "title": null,
	  "description": null, "due_date": null, "duration_minutes": null, "completed_at": null,
	  "metadata": {}, "owner_id": null, "version": 1, "contact_ids": ["c_null"], "company_ids": []}'::jsonb,
	'every optional field null: all absent, metadata {}, version 1');
SELECT is(
	(SELECT occurred_at FROM clarky.activities WHERE contact_id = 'c_null'), now(),
	'a null occurred_at defaults to the moment of logging');
SELECT rejects('{"activity_type": null, "contact_id": "c_val"}', '23502',
	'field "activity_type" is required', 'activity_type', 'a null activity_type is missing');
SELECT accepts('{"activity_type": "note", "contact_id": null, "company_id": "co_val"}',
	'a null contact_id with a company_id is accepted');
SELECT rejects('{"activity_type": "note", "contact_id": null, "company_id": null}', '23514',
	'field "contact_id" or "company_id" is required', 'contact_id',
	'null contact_id and null company_id are both missing');

------------------------------------------------------------------------------
-- activity_type
------------------------------------------------------------------------------

SELECT rejects('{"activity_type": "email", "contact_id": "c_val"}', '22023',
	'field "activity_type" must be one of note, call, meeting, video_call, task, todo, reminder',
	'activity_type', 'activity_type email');
SELECT rejects('{"activity_type": "Note", "contact_id": "c_val"}', '22023',
	'field "activity_type" must be one of note, call, meeting, video_call, task, todo, reminder',
	'activity_type', 'activity_type is case sensitive');
SELECT rejects('{"activity_type": "", "contact_id": "c_val"}', '22023',
	'field "activity_type" must be one of note, call, meeting, video_call, task, todo, reminder',
	'activity_type', 'activity_type empty');
SELECT rejects('{"activity_type": "video call", "contact_id": "c_val"}', '22023',
	'field "activity_type" must be one of note, call, meeting, video_call, task, todo, reminder',
	'activity_type', 'activity_type "video call"');
SELECT rejects('{"activity_type": "note ", "contact_id": "c_val"}', '22023',
	'field "activity_type" must be one of note, call, meeting, video_call, task, todo, reminder',
	'activity_type', 'activity_type with a trailing space');
SELECT is(error_detail(log_sql('{"activity_type": "email", "contact_id": "c_val"}')),
	'Got "email".', 'an unknown activity_type is quoted in the detail');
SELECT rejects('{"contact_id": "c_val"}', '23502',
	'field "activity_type" is required', 'activity_type', 'activity_type missing');
SELECT rejects('{}', '23502',
	'field "activity_type" is required', 'activity_type', 'an empty payload: activity_type first');
SELECT rejects('{"contact_id": 5}', '23502',
	'field "activity_type" is required', 'activity_type',
	'fields are checked in the seed''s order: activity_type before contact_id');
SELECT is(
	(SELECT array_agg(clarky.log_activity(jsonb_build_object('activity_type', t, 'contact_id', 'c_types'))
					  -> 'data' ->> 'activity_type' ORDER BY o)
	   FROM unnest(enum_range(NULL::clarky.activity_type)::text[]) WITH ORDINALITY AS x(t, o)),
	ARRAY['note', 'call', 'meeting', 'video_call', 'task', 'todo', 'reminder'],
	'each of the seven labels of the enum is accepted and rendered as given');

------------------------------------------------------------------------------
-- contact_id and company_id
------------------------------------------------------------------------------

SELECT rejects('{"activity_type": "note"}', '23514',
	'field "contact_id" or "company_id" is required', 'contact_id', 'neither contact_id nor company_id');
SELECT rejects('{"activity_type": "note", "title": "x"}', '23514',
	'field "contact_id" or "company_id" is required', 'contact_id',
	'neither contact_id nor company_id, with other fields');
SELECT rejects('{"activity_type": "note", "contact_id": ""}', '22023',
	'field "contact_id" must not be empty', 'contact_id', 'empty contact_id');
SELECT rejects('{"activity_type": "note", "company_id": ""}', '22023',
	'field "company_id" must not be empty', 'company_id', 'empty company_id');
SELECT rejects('{"activity_type": "note", "contact_id": "", "company_id": "co_val"}', '22023',
	'field "contact_id" must not be empty', 'contact_id', 'empty contact_id beside a valid company_id');
SELECT accepts('{"activity_type": "note", "contact_id": "c_both", "company_id": "co_both"}',
	'both contact_id and company_id are accepted');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', repeat('c', 256))::text,
	'22001', 'field "contact_id" is too long', 'contact_id', 'contact_id of 256 characters');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', repeat('é', 256))::text,
	'22001', 'field "contact_id" is too long', 'contact_id', 'contact_id of 256 two-byte characters');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'company_id', repeat('c', 256))::text,
	'22001', 'field "company_id" is too long', 'company_id', 'company_id of 256 characters');
SELECT is(logged(jsonb_build_object('activity_type', 'note', 'contact_id', repeat('c', 255))::text,
				 'contact_id'),
	jsonb_build_object('stored', repeat('c', 255), 'rendered', repeat('c', 255)),
	'contact_id of exactly 255 characters is accepted');
SELECT is(logged(jsonb_build_object('activity_type', 'note', 'company_id', repeat('漢', 255))::text,
				 'company_id'),
	jsonb_build_object('stored', repeat('漢', 255), 'rendered', repeat('漢', 255)),
	'company_id of exactly 255 three-byte characters is accepted');

------------------------------------------------------------------------------
-- owner_id: optional, with the rules of contact_id
------------------------------------------------------------------------------

SELECT is(logged(with_field('owner_id', '"u_rep"'), 'owner_id'),
	'{"stored": "u_rep", "rendered": "u_rep"}'::jsonb, 'an owner_id is stored and rendered');
SELECT is(logged(with_field('owner_id', 'null'), 'owner_id'),
	'{"stored": null, "rendered": null}'::jsonb, 'a null owner_id is absent');
SELECT is(logged('{"activity_type": "note", "contact_id": "c_val"}', 'owner_id'),
	'{"stored": null, "rendered": null}'::jsonb, 'without owner_id, the activity has none');
SELECT rejects(with_field('owner_id', '""'), '22023',
	'field "owner_id" must not be empty', 'owner_id', 'empty owner_id');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'owner_id', repeat('u', 256))::text,
	'22001', 'field "owner_id" is too long', 'owner_id', 'owner_id of 256 characters');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'owner_id', repeat('é', 256))::text,
	'22001', 'field "owner_id" is too long', 'owner_id', 'owner_id of 256 two-byte characters');
SELECT is(logged(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'owner_id', repeat('漢', 255))::text,
				 'owner_id'),
	jsonb_build_object('stored', repeat('漢', 255), 'rendered', repeat('漢', 255)),
	'owner_id of exactly 255 three-byte characters is accepted');
SELECT rejects('{"activity_type": "note", "owner_id": "u_rep"}', '23514',
	'field "contact_id" or "company_id" is required', 'contact_id',
	'an owner_id is neither a contact nor a company');

------------------------------------------------------------------------------
-- Timestamps: due_date, completed_at, occurred_at
------------------------------------------------------------------------------

SELECT rejects(with_field('due_date', '"2026-04-29T15:30:00"'), '22007', not_iso('due_date'),
	'due_date', 'a date-time without offset');
SELECT is(error_detail(log_sql(with_field('due_date', '"2026-04-29T15:30:00"'))),
	'Got "2026-04-29T15:30:00": missing time zone offset: add Z or +HH:MM.',
	'a date-time without offset: the detail says the offset is missing');
SELECT rejects(with_field('due_date', '"tomorrow"'), '22007', not_iso('due_date'), 'due_date', '"tomorrow"');
SELECT rejects(with_field('due_date', '"now"'), '22007', not_iso('due_date'), 'due_date', '"now"');
SELECT rejects(with_field('due_date', '"01/02/2026"'), '22007', not_iso('due_date'), 'due_date', '"01/02/2026"');
SELECT rejects(with_field('due_date', '""'), '22007', not_iso('due_date'), 'due_date', 'an empty string');
SELECT rejects(with_field('due_date', '"2026-04-29 15:30:00Z"'), '22007', not_iso('due_date'),
	'due_date', 'a space instead of T');
SELECT rejects(with_field('due_date', '"2026-04-29T15:30:00+0200"'), '22007', not_iso('due_date'),
	'due_date', 'an offset without colon');
SELECT rejects(with_field('due_date', '"2026-04-29T15:30:00.Z"'), '22007', not_iso('due_date'),
	'due_date', 'a decimal point without digits');
SELECT rejects(with_field('due_date', '"2026-04-29T15:30:00.1234567890Z"'), '22007', not_iso('due_date'),
	'due_date', '10 digits of fractional seconds');
SELECT rejects(with_field('due_date', '"2026-4-29"'), '22007', not_iso('due_date'),
	'due_date', 'a one-digit month');
SELECT rejects(with_field('due_date', '"20260429"'), '22007', not_iso('due_date'),
	'due_date', 'the basic format without dashes');
SELECT rejects(with_field('due_date', '"2026-04-29Z"'), '22007', not_iso('due_date'),
	'due_date', 'a date with Z but no time');
SELECT rejects(with_field('due_date', '"2026-02-30"'), '22008', out_of_range('due_date'),
	'due_date', '2026-02-30');
SELECT is(error_detail(log_sql(with_field('due_date', '"2026-02-30"'))),
	'Got "2026-02-30": day 30 does not exist in 2026-02.',
	'2026-02-30: the detail names the missing day');
SELECT rejects(with_field('due_date', '"2026-02-29"'), '22008', out_of_range('due_date'),
	'due_date', '2026-02-29 (not a leap year)');
SELECT rejects(with_field('due_date', '"2026-13-01"'), '22008', out_of_range('due_date'),
	'due_date', 'month 13');
SELECT rejects(with_field('due_date', '"2026-00-10"'), '22008', out_of_range('due_date'),
	'due_date', 'month 00');
SELECT rejects(with_field('due_date', '"2026-04-29T24:00Z"'), '22008', out_of_range('due_date'),
	'due_date', 'hour 24:00');
SELECT rejects(with_field('due_date', '"2026-12-31T23:59:60Z"'), '22008', out_of_range('due_date'),
	'due_date', 'a leap second :60');
SELECT rejects(with_field('due_date', '"2026-04-29T15:30:00+24:00"'), '22008', out_of_range('due_date'),
	'due_date', 'an offset of +24:00');
SELECT rejects(with_field('due_date', '"0000-12-31"'), '22008', out_of_range('due_date'),
	'due_date', 'year 0000');
SELECT rejects(with_field('due_date', '"9999-12-31T23:59:59-00:01"'), '22008', out_of_range('due_date'),
	'due_date', 'an instant after 9999 in UTC');
SELECT rejects(with_field('due_date', '"9999-12-31T23:59:59.9999995Z"'), '22008', out_of_range('due_date'),
	'due_date', 'rounding past the last instant of 9999');
SELECT rejects(with_field('due_date', '"0001-01-01T00:00:00+00:01"'), '22008', out_of_range('due_date'),
	'due_date', 'an instant before 0001 in UTC');
SELECT rejects(with_field('completed_at', '"2026-02-30"'), '22008', out_of_range('completed_at'),
	'completed_at', 'completed_at 2026-02-30');
SELECT rejects(with_field('completed_at', '"2026-04-29T15:30:00"'), '22007', not_iso('completed_at'),
	'completed_at', 'completed_at without offset');
SELECT rejects(with_field('occurred_at', '"yesterday"'), '22007', not_iso('occurred_at'),
	'occurred_at', 'occurred_at "yesterday"');
SELECT rejects(with_field('occurred_at', '"2026-04-29T15:30:60Z"'), '22008', out_of_range('occurred_at'),
	'occurred_at', 'occurred_at with second 60');

SELECT is(logged(with_field('due_date', '"2026-04-29"'), 'due_date'),
	'{"stored": "2026-04-29 00:00:00+00", "rendered": "2026-04-29T00:00:00.000Z"}'::jsonb,
	'"2026-04-29" is midnight UTC');
SELECT is(logged(with_field('due_date', '"2026-04-29T15:30Z"'), 'due_date'),
	'{"stored": "2026-04-29 15:30:00+00", "rendered": "2026-04-29T15:30:00.000Z"}'::jsonb,
	'"2026-04-29T15:30Z" (no seconds) is accepted');
SELECT is(logged(with_field('due_date', '"2026-04-29T15:30:00+02:00"'), 'due_date'),
	'{"stored": "2026-04-29 13:30:00+00", "rendered": "2026-04-29T13:30:00.000Z"}'::jsonb,
	'"2026-04-29T15:30:00+02:00" is 13:30Z');
SELECT is(logged(with_field('completed_at', '"2026-04-29T15:30:00-05:30"'), 'completed_at'),
	'{"stored": "2026-04-29 21:00:00+00", "rendered": "2026-04-29T21:00:00.000Z"}'::jsonb,
	'a negative offset -05:30');
SELECT is(logged(with_field('completed_at', '"2026-04-29T15:30:00-00:00"'), 'completed_at'),
	'{"stored": "2026-04-29 15:30:00+00", "rendered": "2026-04-29T15:30:00.000Z"}'::jsonb,
	'the offset -00:00 is UTC');
SELECT is(logged(with_field('occurred_at', '"2026-04-29t15:30:00z"'), 'occurred_at'),
	'{"stored": "2026-04-29 15:30:00+00", "rendered": "2026-04-29T15:30:00.000Z"}'::jsonb,
	'lower-case t and z are accepted');
SELECT is(logged(with_field('due_date', '"2026-04-29T15:30:00.5Z"'), 'due_date'),
	'{"stored": "2026-04-29 15:30:00.5+00", "rendered": "2026-04-29T15:30:00.500Z"}'::jsonb,
	'one fraction digit');
SELECT is(logged(with_field('due_date', '"2026-04-29T15:30:00.1234565Z"'), 'due_date'),
	'{"stored": "2026-04-29 15:30:00.123457+00", "rendered": "2026-04-29T15:30:00.123Z"}'::jsonb,
	'seven fraction digits round (half up) to the microsecond; rendering truncates to ms');
SELECT is(logged(with_field('due_date', '"2026-04-29T15:30:00.123456449Z"'), 'due_date'),
	'{"stored": "2026-04-29 15:30:00.123456+00", "rendered": "2026-04-29T15:30:00.123Z"}'::jsonb,
	'nine fraction digits round down to the microsecond');
SELECT is(logged(with_field('due_date', '"2026-12-31T23:59:59.9999995Z"'), 'due_date'),
	'{"stored": "2027-01-01 00:00:00+00", "rendered": "2027-01-01T00:00:00.000Z"}'::jsonb,
	'rounding can carry into the next year');
SELECT is(logged(with_field('due_date', '"2024-02-29"'), 'due_date'),
	'{"stored": "2024-02-29 00:00:00+00", "rendered": "2024-02-29T00:00:00.000Z"}'::jsonb,
	'2024-02-29 exists (leap year)');
SELECT is(logged(with_field('due_date', '"0001-01-01"'), 'due_date'),
	'{"stored": "0001-01-01 00:00:00+00", "rendered": "0001-01-01T00:00:00.000Z"}'::jsonb,
	'the first instant, 0001-01-01, is accepted');
SELECT is(logged(with_field('due_date', '"9999-12-31T23:59:59.999999Z"'), 'due_date'),
	'{"stored": "9999-12-31 23:59:59.999999+00", "rendered": "9999-12-31T23:59:59.999Z"}'::jsonb,
	'the last instant, 9999-12-31T23:59:59.999999Z, is accepted');
SELECT is(logged(with_field('occurred_at', '"1999-12-31T23:59:59.9995Z"'), 'occurred_at'),
	'{"stored": "1999-12-31 23:59:59.9995+00", "rendered": "1999-12-31T23:59:59.999Z"}'::jsonb,
	'an instant before 2000 renders with truncated milliseconds');

------------------------------------------------------------------------------
-- duration_minutes
------------------------------------------------------------------------------

SELECT rejects(with_field('duration_minutes', '-1'), '22003',
	'field "duration_minutes" must be between 0 and 1000000', 'duration_minutes', 'a negative duration');
SELECT rejects(with_field('duration_minutes', '-0.001'), '22003',
	'field "duration_minutes" must be between 0 and 1000000', 'duration_minutes', 'a slightly negative duration');
SELECT rejects(with_field('duration_minutes', '1000000.001'), '22003',
	'field "duration_minutes" must be between 0 and 1000000', 'duration_minutes', 'a duration above 1000000');
SELECT rejects(with_field('duration_minutes', '1e7'), '22003',
	'field "duration_minutes" must be between 0 and 1000000', 'duration_minutes', 'a duration of 1e7');
SELECT is(logged(with_field('duration_minutes', '0'), 'duration_minutes'),
	'{"stored": "0", "rendered": 0}'::jsonb, 'a duration of 0 is accepted');
SELECT is(logged(with_field('duration_minutes', '1.5'), 'duration_minutes'),
	'{"stored": "1.5", "rendered": 1.5}'::jsonb, 'a duration of 1.5 is accepted');
SELECT is(logged(with_field('duration_minutes', '-0'), 'duration_minutes'),
	'{"stored": "0", "rendered": 0}'::jsonb, 'a duration of -0 is accepted as 0');
SELECT is(
	(clarky.log_activity(with_field('duration_minutes', '-0')::jsonb) -> 'data' ->> 'duration_minutes'),
	'0', 'a duration of -0 is rendered as 0, without sign');
SELECT is(logged(with_field('duration_minutes', '1000000'), 'duration_minutes'),
	'{"stored": "1000000", "rendered": 1000000}'::jsonb, 'a duration of exactly 1000000 is accepted');
SELECT is(
	json_typeof(clarky.log_activity(with_field('duration_minutes', '45')::jsonb) -> 'data' -> 'duration_minutes'),
	'number', 'duration_minutes is rendered as a JSON number');

------------------------------------------------------------------------------
-- metadata
------------------------------------------------------------------------------

SELECT is(octet_length(jsonb_build_object('k', repeat('x', 65527))::text), 65536,
	'(test data: this metadata is 65536 bytes as JSON text)');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val',
								  'metadata', jsonb_build_object('k', repeat('x', 65528)))::text,
	'54000', 'field "metadata" is too large', 'metadata', 'metadata of 65537 bytes');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val',
								  'metadata', jsonb_build_object('k', repeat('€', 30000)))::text,
	'54000', 'field "metadata" is too large', 'metadata', 'metadata of 90009 bytes in 30009 characters');
SELECT accepts(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val',
								  'metadata', jsonb_build_object('k', repeat('x', 65527)))::text,
	'metadata of exactly 65536 bytes is accepted');
SELECT is(logged(with_field('metadata', '{"recording": "https://example.com/r/1", "attendees": ["a", "b"], "n": 1.50, "ok": true, "nested": {"x": null}}'), 'metadata'),
	jsonb_build_object('stored', '{"n": 1.50, "ok": true, "nested": {"x": null}, "attendees": ["a", "b"], "recording": "https://example.com/r/1"}',
					   'rendered', '{"recording": "https://example.com/r/1", "attendees": ["a", "b"], "n": 1.50, "ok": true, "nested": {"x": null}}'::jsonb),
	'nested metadata is stored and rendered as given');

------------------------------------------------------------------------------
-- title and description
------------------------------------------------------------------------------

SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'title', repeat('t', 1001))::text,
	'22001', 'field "title" is too long', 'title', 'a title of 1001 characters');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'title', repeat('€', 1001))::text,
	'22001', 'field "title" is too long', 'title', 'a title of 1001 three-byte characters');
SELECT is(error_detail(log_sql(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val',
												  'title', repeat('€', 1001))::text)),
	'It has 1001 characters; the limit is 1000.', 'the detail counts characters, not bytes');
SELECT is(logged(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'title', repeat('€', 1000))::text, 'title'),
	jsonb_build_object('stored', repeat('€', 1000), 'rendered', repeat('€', 1000)),
	'a title of exactly 1000 three-byte characters is accepted');
SELECT is(logged(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'title', repeat('t', 1000))::text, 'title'),
	jsonb_build_object('stored', repeat('t', 1000), 'rendered', repeat('t', 1000)),
	'a title of exactly 1000 characters is accepted');
SELECT rejects(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'description', repeat('d', 100001))::text,
	'22001', 'field "description" is too long', 'description', 'a description of 100001 characters');
SELECT is(logged(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val', 'description', repeat('d', 100000))::text, 'description'),
	jsonb_build_object('stored', repeat('d', 100000), 'rendered', repeat('d', 100000)),
	'a description of exactly 100000 characters is accepted');
SELECT is(logged(jsonb_build_object('activity_type', 'note', 'contact_id', 'c_val',
									'title', E'quote " backslash \\ newline \n tab \t bell \u0007 snowman ☃ emoji 😀 </script>')::text, 'title'),
	jsonb_build_object('stored', E'quote " backslash \\ newline \n tab \t bell \u0007 snowman ☃ emoji 😀 </script>',
					   'rendered', E'quote " backslash \\ newline \n tab \t bell \u0007 snowman ☃ emoji 😀 </script>'),
	'quotes, backslashes, control characters and non-ASCII round-trip through the JSON output');
SELECT is(logged(with_field('title', '""'), 'title'),
	'{"stored": "", "rendered": ""}'::jsonb, 'an empty title is kept as the empty string');

------------------------------------------------------------------------------
-- The payload itself
------------------------------------------------------------------------------

SELECT rejects(NULL, '22004', 'activity payload must not be null', NULL, 'a NULL payload');
SELECT rejects('[]', '22023', 'activity payload must be a JSON object', NULL, 'an empty array payload');
SELECT rejects('[{"activity_type": "note", "contact_id": "c_val"}]', '22023',
	'activity payload must be a JSON object', NULL, 'an array holding a valid object');
SELECT rejects('"note"', '22023', 'activity payload must be a JSON object', NULL, 'a string payload');
SELECT rejects('42', '22023', 'activity payload must be a JSON object', NULL, 'a number payload');
SELECT rejects('null', '22023', 'activity payload must be a JSON object', NULL, 'a JSON null payload');
SELECT is(error_detail(log_sql('42')), 'Got a JSON scalar.', 'a scalar payload: the detail says scalar');

------------------------------------------------------------------------------
-- The timelines' parameters
------------------------------------------------------------------------------

SELECT refuses($$SELECT clarky.contact_activities(NULL)$$, '22004',
	'parameter "contact_id" must not be null', 'contact_id', 'contact_activities: contact_id NULL');
SELECT refuses($$SELECT clarky.company_activities(NULL)$$, '22004',
	'parameter "company_id" must not be null', 'company_id', 'company_activities: company_id NULL');
SELECT refuses($$SELECT clarky.contact_activities('')$$, '22023',
	'parameter "contact_id" must not be empty', 'contact_id', 'contact_activities: contact_id empty');
SELECT refuses($$SELECT clarky.company_activities('')$$, '22023',
	'parameter "company_id" must not be empty', 'company_id', 'company_activities: company_id empty');
SELECT refuses(format('SELECT clarky.contact_activities(%L)', repeat('c', 256)), '22001',
	'parameter "contact_id" is too long', 'contact_id', 'contact_activities: contact_id of 256 characters');
SELECT refuses($$SELECT clarky.contact_activities('c_val', NULL, 0)$$, '22023',
	'parameter "page" must be at least 1', 'page', 'contact_activities: page 0');
SELECT refuses($$SELECT clarky.contact_activities('c_val', NULL, -1)$$, '22023',
	'parameter "page" must be at least 1', 'page', 'contact_activities: page -1');
SELECT refuses($$SELECT clarky.contact_activities('c_val', NULL, 1, 0)$$, '22023',
	'parameter "page_size" must be between 1 and 100', 'page_size', 'contact_activities: page_size 0');
SELECT refuses($$SELECT clarky.contact_activities('c_val', NULL, 1, 101)$$, '22023',
	'parameter "page_size" must be between 1 and 100', 'page_size',
	'contact_activities: page_size 101 is refused, not clamped');
SELECT refuses($$SELECT clarky.contact_activities('c_val', NULL, 1, -25)$$, '22023',
	'parameter "page_size" must be between 1 and 100', 'page_size', 'contact_activities: page_size -25');
SELECT refuses($$SELECT clarky.contact_activities('c_val', NULL, NULL)$$, '22004',
	'parameter "page" must not be null', 'page', 'contact_activities: page NULL');
SELECT refuses($$SELECT clarky.contact_activities('c_val', NULL, 1, NULL)$$, '22004',
	'parameter "page_size" must not be null', 'page_size', 'contact_activities: page_size NULL');
SELECT refuses($$SELECT clarky.company_activities('co_val', 'call', 0)$$, '22023',
	'parameter "page" must be at least 1', 'page', 'company_activities: page 0');
SELECT refuses($$SELECT clarky.company_activities('co_val', NULL, 1, 101)$$, '22023',
	'parameter "page_size" must be between 1 and 100', 'page_size', 'company_activities: page_size 101');
SELECT refuses($$SELECT clarky.company_activities('co_val', NULL, 1, 0)$$, '22023',
	'parameter "page_size" must be between 1 and 100', 'page_size', 'company_activities: page_size 0');
SELECT throws_ok($$SELECT clarky.contact_activities('c_val', 'email')$$, '22P02',
	'invalid input value for enum clarky.activity_type: "email"',
	'contact_activities: an unknown activity_type is refused by the enum');
SELECT lives_ok($$SELECT clarky.contact_activities('c_val', NULL, 1, 100)$$,
	'contact_activities: page_size 100 is accepted');
SELECT lives_ok($$SELECT clarky.contact_activities('c_val', NULL, 2147483647, 100)$$,
	'contact_activities: the largest page number is accepted');

SELECT * FROM finish();
ROLLBACK;
