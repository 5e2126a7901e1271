-- test/upgrade/snapshot.sql: everything a client can see of a database's
-- activities, one JSON object a line (psql -At), for upgrade_check.py.
--
-- Works on 1.0.0 and 1.1.0 alike: every call runs in its own exception
-- block, so an error is recorded as a line ("what": "error") instead of
-- stopping the snapshot; columns 1.1.0 added are read through to_jsonb().
--
--   {"what": "row", "row": {...}}                  a row of clarky.activities
--   {"what": "count", "ws", "kind", "owner", "type", "count"}
--                                                  live rows of one timeline
--                                                  (type "" = every type)
--   {"what": "page", "ws", "kind", "owner", "type", "page", "pagination", "ids"}
--                                                  one page of a timeline
--   {"what": "elem", "ws", "kind", "owner", "page", "pos", "id", "elem"}
--                                                  an activity as the untyped
--                                                  timeline renders it (text)
--   {"what": "get", "ws", "id", "result"}          clarky.get_activity(id),
--                                                  where the function exists
--   {"what": "error", "call", "sqlstate", "message", "hint"}
--
-- Timelines are read with page_size 7, every page, untyped and per type.

SET client_min_messages = warning;
SET TimeZone = 'UTC';

CREATE TEMP TABLE snapshot_owners AS
SELECT DISTINCT a.workspace_id AS ws, o.kind, o.id AS owner
FROM clarky.activities AS a
CROSS JOIN LATERAL (VALUES ('contact', a.contact_id), ('company', a.company_id)) AS o (kind, id)
WHERE o.id IS NOT NULL;

CREATE TEMP TABLE snapshot_lines (n serial, line json);

DO $snapshot$
DECLARE
	o record;
	a record;
	t text;
	p integer;
	r json;
	has_get boolean := to_regprocedure('clarky.get_activity(text)') IS NOT NULL;
	st text;
	msg text;
	hint text;
BEGIN
	FOR o IN SELECT * FROM snapshot_owners ORDER BY ws, kind, owner LOOP
		PERFORM set_config('clarky.workspace_id', o.ws, false);
		FOREACH t IN ARRAY ARRAY['', 'note', 'call', 'meeting', 'video_call', 'task', 'todo', 'reminder'] LOOP
			p := 1;
			LOOP
				BEGIN
					IF o.kind = 'contact' THEN
						r := clarky.contact_activities(o.owner, nullif(t, '')::clarky.activity_type, p, 7);
					ELSE
						r := clarky.company_activities(o.owner, nullif(t, '')::clarky.activity_type, p, 7);
					END IF;
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
					INSERT INTO snapshot_lines (line) VALUES (json_build_object(
						'what', 'error', 'call', format('clarky.%s_activities(%L, %L, %s, 7) in %s', o.kind, o.owner, t, p, o.ws),
						'sqlstate', st, 'message', msg, 'hint', hint));
					EXIT;
				END;
				INSERT INTO snapshot_lines (line)
				SELECT json_build_object('what', 'page', 'ws', o.ws, 'kind', o.kind, 'owner', o.owner,
										 'type', t, 'page', p, 'pagination', (r -> 'pagination')::text,
										 'ids', coalesce((SELECT json_agg(e ->> 'id' ORDER BY i)
														  FROM json_array_elements(r -> 'data') WITH ORDINALITY AS x (e, i)),
														 '[]'::json));
				IF t = '' THEN
					INSERT INTO snapshot_lines (line)
					SELECT json_build_object('what', 'elem', 'ws', o.ws, 'kind', o.kind, 'owner', o.owner,
											 'page', p, 'pos', i, 'id', e ->> 'id', 'elem', e::text)
					FROM json_array_elements(r -> 'data') WITH ORDINALITY AS x (e, i)
					ORDER BY i;
				END IF;
				-- (a page past the end is read too: empty, with the true totals)
				EXIT WHEN p > coalesce((r -> 'pagination' ->> 'total_pages')::integer, 0) OR p > 1000;
				p := p + 1;
			END LOOP;
		END LOOP;
	END LOOP;

	IF has_get THEN
		FOR a IN SELECT workspace_id AS ws, id FROM clarky.activities ORDER BY 1, 2 LOOP
			PERFORM set_config('clarky.workspace_id', a.ws, false);
			BEGIN
				EXECUTE 'SELECT clarky.get_activity($1)::text' INTO msg USING a.id;
				INSERT INTO snapshot_lines (line)
				VALUES (json_build_object('what', 'get', 'ws', a.ws, 'id', a.id, 'result', msg));
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
				INSERT INTO snapshot_lines (line) VALUES (json_build_object(
					'what', 'error', 'call', format('clarky.get_activity(%L) in %s', a.id, a.ws),
					'sqlstate', st, 'message', msg, 'hint', hint));
			END;
		END LOOP;
	END IF;
	PERFORM set_config('clarky.workspace_id', '', false);
END
$snapshot$;

SELECT json_build_object('what', 'row', 'row', to_jsonb(a))
FROM clarky.activities AS a
ORDER BY a.workspace_id, a.id;

SELECT json_build_object('what', 'count', 'ws', o.ws, 'kind', o.kind, 'owner', o.owner, 'type', t.t,
						 'count', (SELECT count(*) FROM clarky.activities AS a
								   WHERE a.workspace_id = o.ws
									 AND CASE o.kind WHEN 'contact' THEN a.contact_id ELSE a.company_id END = o.owner
									 AND (t.t = '' OR a.activity_type::text = t.t)
									 AND (to_jsonb(a) ->> 'deleted_at') IS NULL))
FROM snapshot_owners AS o
CROSS JOIN unnest(ARRAY['', 'note', 'call', 'meeting', 'video_call', 'task', 'todo', 'reminder']) AS t (t)
ORDER BY o.ws, o.kind, o.owner, t.t;

SELECT line FROM snapshot_lines ORDER BY n;
