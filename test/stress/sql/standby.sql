-- test/stress/sql/standby.sql: the reads that failover.sh makes on the
-- primary and on its hot standby, whose answers must be the same, and the
-- calls it makes to see every write refused on the standby.  Created on the
-- primary (so that the standby has them by replication: nothing can be
-- created on a standby), as a superuser, after checks.sql.

SET client_min_messages = warning;

-- The answer of one call (a SELECT expression) as text, or "error SQLSTATE:
-- message" (in a subtransaction, so that a refused call leaves the session
-- as it was: a standby allows subtransactions, which take no xid unless
-- they write)
CREATE FUNCTION stress.answer(call text) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	result text;
BEGIN
	EXECUTE 'SELECT (' || call || ')::text' INTO result;
	RETURN coalesce(result, 'NULL');
EXCEPTION WHEN OTHERS THEN
	RETURN 'error ' || SQLSTATE || ': ' || SQLERRM;
END
$$;

-- The owners of workspace WS's timelines: each contact ('contact') and
-- company ('company') with activities there by any road (the primary
-- contact or company, the others, the companies reached through people:
-- stress.timeline_roads), deleted ones included, and how many (the pages
-- to read)
CREATE FUNCTION stress.owners(ws text) RETURNS TABLE (kind text, owner text, n bigint)
LANGUAGE sql STABLE AS $$
	SELECT t.timeline, t.owner, count(*)
	FROM stress.timeline_roads() t WHERE t.workspace_id = ws AND t.timeline IN ('contact', 'company')
	GROUP BY 1, 2
$$;

-- Every read of workspace WS through the SQL API, as the caller (a role
-- granted clarky_reader and trusted to bind WS): each owner's timeline
-- (also an owner whose activities are all deleted), every page of 10 and two
-- past the end (a timeline of more than 250 activities reads its deep pages
-- by the index-only path, from both ends), page 1 of 100 of each type, and
-- for a company the same of scope 'direct'; each company's contacts;
-- get_activity of every activity of WS, the deleted ones (P0002) too, and of
-- an unknown id; the workspace helpers.  One row per call, in the order of
-- the calls' text.
CREATE FUNCTION stress.read_answers(ws text)
RETURNS TABLE (call text, answer text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r record;
BEGIN
	PERFORM clarky.use_workspace(ws, true);
	FOR r IN
		SELECT format('clarky.%s_activities(%L, NULL, %s, 10)', o.kind, o.owner, p) AS c
		FROM stress.owners(ws) o, generate_series(1, o.n / 10 + 2) AS p
		UNION ALL
		SELECT format('clarky.%s_activities(%L, %L, 1, 100)', o.kind, o.owner, t)
		FROM stress.owners(ws) o, unnest(enum_range(NULL::clarky.activity_type)) AS t
		UNION ALL
		SELECT format('clarky.company_activities(%L, NULL, %s, 10, ''direct'')', o.owner, p)
		FROM stress.owners(ws) o, generate_series(1, o.n / 10 + 2) AS p WHERE o.kind = 'company'
		UNION ALL
		SELECT format('clarky.company_activities(%L, %L, 1, 100, ''direct'')', o.owner, t)
		FROM stress.owners(ws) o, unnest(enum_range(NULL::clarky.activity_type)) AS t WHERE o.kind = 'company'
		UNION ALL
		SELECT DISTINCT format('clarky.company_contacts(%L, 1, 100)', m.company_id)
		FROM clarky.company_memberships m WHERE m.workspace_id = ws
		UNION ALL
		SELECT format('clarky.get_activity(%L)', a.id) FROM clarky.activities a WHERE a.workspace_id = ws
		UNION ALL
		VALUES ('clarky.get_activity(''a_00000000000000000000000000'')'), ('clarky.current_workspace()'),
			   (format('clarky.may_use_workspace(%L)', ws))
		ORDER BY 1
	LOOP
		call := r.c;
		answer := stress.answer(r.c);
		RETURN NEXT;
	END LOOP;
END
$$;

-- One call of clarky_api's function FN(ARGS) as PostgREST makes it: the
-- anonymous role, the request's settings (the API key KEY in x-api-key, an
-- activity id in x-clarky-activity-id), clarky_api.pre_request(), which
-- switches to the key's role, then the function; "status headers answer".
-- The caller must be a member of clarky_anon (PostgREST's authenticator).
CREATE FUNCTION stress.http_answer(key text, fn text, args text, activity_id text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	result text;
BEGIN
	PERFORM set_config('role', 'clarky_anon', true),
			set_config('request.jwt.claims', '{"role": "clarky_anon"}', true),
			set_config('request.method', 'GET', true),
			set_config('request.headers', jsonb_strip_nulls(jsonb_build_object(
				'x-api-key', key, 'x-clarky-activity-id', activity_id))::text, true),
			set_config('response.status', '', true),
			set_config('response.headers', '', true);
	PERFORM clarky_api.pre_request();
	result := stress.answer(format('clarky_api.%s(%s)', fn, args));
	result := concat_ws(' ', nullif(current_setting('response.status', true), ''),
						nullif(current_setting('response.headers', true), ''), result);
	PERFORM set_config('role', 'none', true);
	RETURN result;
END
$$;

-- Every read of workspace WS through the HTTP API's functions with the
-- read key KEY: each owner's timeline (every page of 10 and one past the
-- end, page 1 of 100 of each type; a company's of scope 'direct' too), get_activity of every activity of WS
-- (with its ETag; 404 for the deleted ones); and the answers that refuse
-- without writing: an unknown key, no key (401), a log and a change with
-- the read key (403).  As the caller of read_answers, and a member of
-- clarky_anon.
CREATE FUNCTION stress.http_answers(ws text, key text)
RETURNS TABLE (call text, answer text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	some_id text;
	calls text[][];
BEGIN
	-- the calls, listed first: each call changes the role and the workspace
	PERFORM clarky.use_workspace(ws, true);
	SELECT min(a.id) INTO some_id FROM clarky.activities a WHERE a.workspace_id = ws;
	SELECT array_agg(ARRAY[x.fn, x.args, x.id, x.k] ORDER BY x.fn, x.args, x.id, x.k) INTO calls FROM (
		SELECT format('%s_activities', o.kind) AS fn, format('%L, NULL, %L, ''10''', o.owner, p::text) AS args,
			   NULL AS id, key AS k
		FROM stress.owners(ws) o, generate_series(1, o.n / 10 + 2) AS p
		UNION ALL
		SELECT format('%s_activities', o.kind), format('%L, %L, ''1'', ''100''', o.owner, t::text), NULL, key
		FROM stress.owners(ws) o, unnest(enum_range(NULL::clarky.activity_type)) AS t
		UNION ALL
		SELECT 'company_activities', format('%L, NULL, %L, ''10'', ''direct''', o.owner, p::text), NULL, key
		FROM stress.owners(ws) o, generate_series(1, o.n / 10 + 2) AS p WHERE o.kind = 'company'
		UNION ALL
		SELECT 'get_activity', '', a.id, key FROM clarky.activities a WHERE a.workspace_id = ws
		UNION ALL
		VALUES ('contact_activities', '''c_crash_0''', NULL, 'ck_live_' || repeat('0', 30)),
			   ('contact_activities', '''c_crash_0''', NULL, NULL),
			   ('log_activity', '''{"activity_type": "note", "contact_id": "c_crash_0"}''', NULL, key),
			   ('update_activity', '''{"title": "read scope"}''', some_id, key),
			   ('delete_activity', '', some_id, key)
	) AS x (fn, args, id, k);
	PERFORM clarky.use_workspace('', true);
	FOR i IN 1 .. array_length(calls, 1) LOOP
		call := format('clarky_api.%s(%s) id %s key %s', calls[i][1], calls[i][2], calls[i][3],
					   left(calls[i][4], 12));
		answer := stress.http_answer(calls[i][4], calls[i][1], calls[i][2], calls[i][3]);
		RETURN NEXT;
	END LOOP;
END
$$;
