-- test/stress/sql/argfuzz.sql: every function of the API called with every
-- combination of edge-case arguments (NULLs, empty and over-long ids,
-- Unicode and control characters, integer limits, wrong JSON types, edge
-- timestamps, deep and large JSON), each call in its own subtransaction.
--
-- Run as an unprivileged role granted clarky_reader and clarky_writer.
-- Leaves pg_temp.fuzz (call kind, outcome, count), where the outcome is
-- "ok", a SQLSTATE, or "BAD ..." for an answer that is not the JSON it
-- should be; pg_temp.fuzz_bad holds the first offending calls.
SET client_min_messages = warning;
SET clarky.workspace_id = 'ws_fuzz';
CREATE TEMP TABLE fuzz (kind text, outcome text, n bigint, PRIMARY KEY (kind, outcome));
CREATE TEMP TABLE fuzz_bad (kind text, call text, outcome text);

-- Outcomes are counted in memory (a jsonb of counts per kind and outcome,
-- flushed to pg_temp.fuzz at the end of each block): counting in a table
-- row from thousands of subtransactions of one transaction is quadratic.
CREATE FUNCTION pg_temp.note(counts jsonb, kind text, outcome text, call text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
	key text := kind || '|' || outcome;
BEGIN
	IF (outcome LIKE 'BAD%' OR outcome LIKE 'XX%' OR outcome LIKE '58%')
	   AND (SELECT count(*) FROM pg_temp.fuzz_bad) < 50 THEN
		INSERT INTO pg_temp.fuzz_bad VALUES (kind, left(call, 300), outcome);
	END IF;
	RETURN jsonb_set(counts, ARRAY[key], to_jsonb(coalesce((counts ->> key)::bigint, 0) + 1));
END
$$;

CREATE FUNCTION pg_temp.flush(counts jsonb) RETURNS void
LANGUAGE sql AS $$
	INSERT INTO pg_temp.fuzz AS f
	SELECT split_part(key, '|', 1), substr(key, length(split_part(key, '|', 1)) + 2), value::bigint
	FROM jsonb_each_text(counts)
	ON CONFLICT ON CONSTRAINT fuzz_pkey DO UPDATE SET n = f.n + EXCLUDED.n
$$;

-- The outcome of an answer: ok, or BAD and why
CREATE FUNCTION pg_temp.judge(answer json, envelope boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	j jsonb;
BEGIN
	IF answer IS NULL THEN
		RETURN 'BAD null answer';
	END IF;
	BEGIN
		j := answer::text::jsonb;    -- the text must be valid JSON
	EXCEPTION WHEN OTHERS THEN
		RETURN 'BAD invalid JSON: ' || SQLERRM;
	END;
	IF jsonb_typeof(j) <> 'object' THEN
		RETURN 'BAD not an object';
	END IF;
	IF j ? 'error' THEN
		IF NOT envelope THEN
			RETURN 'BAD error as data';
		END IF;
		IF NOT (j -> 'error' ? 'code' AND j -> 'error' ? 'message') THEN
			RETURN 'BAD envelope without code or message';
		END IF;
		RETURN 'envelope ' || (j #>> '{error,code}') || ' ' || coalesce(current_setting('response.status', true), '?');
	END IF;
	IF NOT j ? 'data' THEN
		RETURN 'BAD no data';
	END IF;
	IF j ? 'pagination' AND jsonb_array_length(j -> 'data') > (j #>> '{pagination,page_size}')::int THEN
		RETURN 'BAD page longer than page_size';
	END IF;
	RETURN 'ok';
END
$$;

DO $fuzz$
DECLARE
	counts jsonb := '{}';
	ids text[] := ARRAY[NULL, '', ' ', 'c_1', 'co_1', 'c_0', repeat('x', 255), repeat('x', 256),
						repeat('é', 255), repeat('é', 256), E'\x01\x02\x7f', 'ünïcödé 🚀 日本',
						'a''b"c\d', '%s%n%x', E'line\nbreak\ttab', 'c_1;DROP TABLE clarky.activities'];
	types clarky.activity_type[] := ARRAY[NULL]::clarky.activity_type[] || enum_range(NULL::clarky.activity_type);
	ints integer[] := ARRAY[NULL, -2147483648, -1, 0, 1, 2, 3, 10, 11, 25, 99, 100, 101, 1000000, 2147483647];
	texts text[] := ARRAY[NULL, '', ' ', '0', '1', '-1', '+1', '01', '2', '11', '100', '101', '1.5', '1e3', '0x10',
						  ' 1', '1 ', '2147483647', '2147483648', '-2147483648', '-2147483649',
						  '99999999999999999999', 'abc', 'note', 'call', 'NOTE', 'video_call', 'note '];
	owner text;
	t clarky.activity_type;
	p integer;
	ps integer;
	tp text;
	pt text;
	pst text;
	answer json;
	call text;
	api boolean;
	kind text;
	k bigint := 0;
BEGIN
	-- ensure the fuzzed timelines have rows, deep ones too
	FOR p IN 1 .. 300 LOOP
		PERFORM clarky.log_activity(jsonb_build_object('activity_type', (enum_range(NULL::clarky.activity_type))[1 + p % 7],
			'contact_id', 'c_1', 'company_id', 'co_1', 'title', 'fuzz ' || p));
	END LOOP;

	-- the SQL timelines
	FOREACH owner IN ARRAY ids LOOP
		FOREACH t IN ARRAY types LOOP
			FOREACH p IN ARRAY ints LOOP
				FOREACH ps IN ARRAY ints LOOP
					FOREACH kind IN ARRAY ARRAY['contact_activities', 'company_activities'] LOOP
						call := format('clarky.%s(%L, %L, %s, %s)', kind, owner, t, coalesce(p::text, 'NULL'), coalesce(ps::text, 'NULL'));
						BEGIN
							IF kind = 'contact_activities' THEN
								answer := clarky.contact_activities(owner, t, p, ps);
							ELSE
								answer := clarky.company_activities(owner, t, p, ps);
							END IF;
							counts := pg_temp.note(counts, kind, pg_temp.judge(answer, false), call);
						EXCEPTION WHEN OTHERS THEN
							counts := pg_temp.note(counts, kind, SQLSTATE, call);
						END;
					END LOOP;
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;

	-- the HTTP timelines, as identified callers (scope and workspace bound
	-- as clarky_api.pre_request binds them)
	PERFORM set_config('clarky.scope', 'read', false), set_config('clarky.auth_error', '', false);
	FOREACH owner IN ARRAY ids LOOP
		FOREACH tp IN ARRAY texts LOOP
			FOREACH pt IN ARRAY texts LOOP
				FOREACH pst IN ARRAY texts LOOP
					k := k + 1;
					-- (every combination with a NULL page or page_size, a tenth of the others)
					CONTINUE WHEN pt IS NOT NULL AND pst IS NOT NULL AND k % 10 <> 0;
					kind := 'api.' || CASE WHEN (k / 10) % 2 = 0 THEN 'contact_activities' ELSE 'company_activities' END;
					call := format('clarky_%s(%L, %L, %L, %L)', kind, owner, tp, pt, pst);
					BEGIN
						IF kind = 'api.contact_activities' THEN
							answer := clarky_api.contact_activities(owner, tp, pt, pst);
						ELSE
							answer := clarky_api.company_activities(owner, tp, pt, pst);
						END IF;
						counts := pg_temp.note(counts, kind, pg_temp.judge(answer, true), call);
					EXCEPTION WHEN OTHERS THEN
						counts := pg_temp.note(counts, kind, SQLSTATE, call);
					END;
				END LOOP;
			END LOOP;
		END LOOP;
	END LOOP;
	PERFORM pg_temp.flush(counts);
END
$fuzz$;

-- log_activity: a valid payload with one field (or an unknown one) set to
-- each edge value, through the SQL function and through the HTTP one
DO $fuzz$
DECLARE
	counts jsonb := '{}';
	fields text[] := ARRAY['activity_type', 'contact_id', 'company_id', 'title', 'description', 'due_date',
						   'duration_minutes', 'completed_at', 'metadata', 'occurred_at', 'contactId', ''];
	vals jsonb[] := ARRAY['null', 'true', 'false', '0', '-1', '1.5', '-0', '1e308', '1e-308', '1000000',
		'1000000.0000001', '-0.0000001', '123456789012345678901234567890', '""', '" "', '"x"', '"note"',
		'"NOTE"', '"c_1"', '[]', '{}', '[1, 2]', '{"a": {"b": [1, {"c": null}]}}',
		to_jsonb(repeat('x', 255)), to_jsonb(repeat('x', 256)), to_jsonb(repeat('é', 1000)), to_jsonb(repeat('é', 1001)),
		to_jsonb(repeat('x', 100000)), to_jsonb(repeat('x', 100001)), to_jsonb(repeat('🚀', 1001)),
		jsonb_build_object('big', repeat('x', 65520)), jsonb_build_object('big', repeat('x', 70000)),
		(repeat('{"a": ', 2000) || '1' || repeat('}', 2000))::jsonb,
		(repeat('[', 5000) || repeat(']', 5000))::jsonb,
		'"2026-01-01"', '"2026-02-30"', '"2026-02-29"', '"2024-02-29"', '"2026-01-01T00:00Z"',
		'"2026-01-01T24:00:00Z"', '"2026-01-01T23:59:60Z"', '"2026-01-01T00:00:00+23:59"',
		'"2026-01-01T00:00:00+24:00"', '"2026-01-01T00:00:00-99:99"', '"2026-01-01t00:00:00z"',
		'"2026-01-01T00:00:00"', '"2026-01-01 00:00:00Z"', '"0001-01-01T00:00:00Z"',
		'"0001-01-01T00:00:00+00:01"', '"0000-12-31T23:59:59Z"', '"9999-12-31T23:59:59.999999Z"',
		'"9999-12-31T23:59:59.9999995Z"', '"9999-12-31T23:59:59-00:01"', '"10000-01-01T00:00:00Z"',
		'"2026-01-01T00:00:00.123456789Z"', '"2026-01-01T00:00:00.1234567890Z"', '"2026-01-01T00:00:00.Z"',
		'"+2026-01-01T00:00:00Z"', '"2026-1-1"', '"tomorrow"', '"now"', '"infinity"', '"01/02/2026"',
		'"2026-01-01T00:00:00Z "', '" 2026-01-01T00:00:00Z"', '"2026-01-01T00:00:00ZZ"'];
	f text;
	v jsonb;
	payload jsonb;
	base jsonb := '{"activity_type": "task", "contact_id": "c_fuzz", "company_id": "co_fuzz", "title": "t"}';
	answer json;
	kind text;
BEGIN
	FOREACH f IN ARRAY fields LOOP
		FOREACH v IN ARRAY vals LOOP
			payload := base || jsonb_build_object(f, v);
			FOREACH kind IN ARRAY ARRAY['log_activity', 'api.log_activity'] LOOP
				BEGIN
					IF kind = 'log_activity' THEN
						answer := clarky.log_activity(payload);
						counts := pg_temp.note(counts, kind, pg_temp.judge(answer, false), payload::text);
					ELSE
						PERFORM set_config('clarky.scope', 'write', false);
						answer := clarky_api.log_activity(payload);
						counts := pg_temp.note(counts, kind, pg_temp.judge(answer, true), payload::text);
					END IF;
				EXCEPTION WHEN OTHERS THEN
					counts := pg_temp.note(counts, kind, SQLSTATE, payload::text);
				END;
			END LOOP;
		END LOOP;
	END LOOP;
	-- payloads that are not objects, and odd whole bodies
	FOREACH v IN ARRAY vals || ARRAY['{}'::jsonb, '{"activity_type": "note"}', '{"contact_id": "c"}', 'null'] LOOP
		FOREACH kind IN ARRAY ARRAY['log_activity', 'api.log_activity'] LOOP
			BEGIN
				IF kind = 'log_activity' THEN
					answer := clarky.log_activity(v);
					counts := pg_temp.note(counts, kind, pg_temp.judge(answer, false), v::text);
				ELSE
					answer := clarky_api.log_activity(v);
					counts := pg_temp.note(counts, kind, pg_temp.judge(answer, true), v::text);
				END IF;
			EXCEPTION WHEN OTHERS THEN
				counts := pg_temp.note(counts, kind, SQLSTATE, v::text);
			END;
		END LOOP;
	END LOOP;
	PERFORM pg_temp.flush(counts);
END
$fuzz$;

-- every row written by the fuzzing renders in a timeline as valid JSON
DO $fuzz$
DECLARE
	counts jsonb := '{}';
	r record;
	page integer;
	answer json;
BEGIN
	FOR r IN SELECT DISTINCT 'contact' AS kind, contact_id AS owner FROM clarky.activities WHERE contact_id IS NOT NULL
			 UNION SELECT DISTINCT 'company', company_id FROM clarky.activities WHERE company_id IS NOT NULL LOOP
		page := 1;
		LOOP
			BEGIN
				IF r.kind = 'contact' THEN
					answer := clarky.contact_activities(r.owner, NULL, page, 100);
				ELSE
					answer := clarky.company_activities(r.owner, NULL, page, 100);
				END IF;
				counts := pg_temp.note(counts, 'render', pg_temp.judge(answer, false), r.owner);
			EXCEPTION WHEN OTHERS THEN
				counts := pg_temp.note(counts, 'render', SQLSTATE, r.owner);
				EXIT;
			END;
			EXIT WHEN json_array_length(answer -> 'data') < 100;
			page := page + 1;
		END LOOP;
	END LOOP;
	PERFORM pg_temp.flush(counts);
END
$fuzz$;
