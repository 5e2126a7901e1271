-- test/stress/sql/races.sql: "exactly one wins", deterministically.  In the
-- schema "stress" made by checks.sql; needs dblink.  Run as a superuser with
-- psql -v ON_ERROR_STOP=1.
--
-- stress.race(conn, sessions, races, rounds) opens `sessions` connections
-- with dblink (conn: a libpq connection string, for a role granted
-- clarky_writer) and runs each race ("KIND BARRIER") of races for `rounds`
-- rounds: in each round all the sessions change one new activity at the same
-- time, every one passing the same expected_version v (v = the round's
-- number: the activity is first updated to that version):
--
--   kind     update: update_activity(id, patch, v)
--            delete: delete_activity(id, v)
--            mixed:  half the sessions update, half delete
--   barrier  advisory: each session first waits for an advisory lock the
--                      controller holds, and all start at its release
--            row:      an extra session holds the row FOR UPDATE: all the
--                      sessions queue inside the function on the row's lock
--            changed:  the extra session changes the row itself to v+1
--                      while holding it: every session must lose
--
-- Each round waits (10 s at most) until every session is blocked at the
-- barrier, as pg_locks shows, before it releases them; it returns what each
-- session got ("ok" or the SQLSTATE), the final version and deleted_at.

SET client_min_messages = warning;

-- The session's side: wait at the advisory barrier (if key is not NULL),
-- then the change; "ok <version>" or the SQLSTATE of the error
CREATE OR REPLACE FUNCTION stress.race_step(kind text, target text, expected integer, key bigint)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	answer json;
BEGIN
	IF key IS NOT NULL THEN
		PERFORM pg_advisory_xact_lock_shared(key);
	END IF;
	BEGIN
		IF kind = 'update' THEN
			answer := clarky.update_activity(target,
				jsonb_build_object('title', 'race ' || pg_backend_pid(),
								   'metadata', jsonb_build_object('winner', pg_backend_pid())),
				expected);
		ELSE
			answer := clarky.delete_activity(target, expected);
		END IF;
	EXCEPTION WHEN OTHERS THEN
		RETURN SQLSTATE;
	END;
	RETURN 'ok ' || (answer #>> '{data,version}');
END
$$;

CREATE OR REPLACE FUNCTION stress.race(conn text, sessions integer, races text[], rounds integer)
RETURNS TABLE (kind text, barrier text, round integer, v integer, waited boolean, outcomes text[],
			   final_version integer, deleted boolean, winner_pid_title boolean)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	race text;
	names text[] := ARRAY(SELECT 'race_' || i FROM generate_series(1, sessions) AS i);
	pids integer[] := '{}';
	holder_pid integer;
	target text;
	key bigint;
	deadline timestamptz;
	got text[];
	k text;
	r text;
	blocked integer;
BEGIN
	FOREACH k IN ARRAY names LOOP
		PERFORM dblink_connect(k, conn);
		pids := pids || (SELECT p FROM dblink(k, 'SELECT pg_backend_pid()') AS t (p integer));
	END LOOP;
	PERFORM dblink_connect('race_holder', conn);
	holder_pid := (SELECT p FROM dblink('race_holder', 'SELECT pg_backend_pid()') AS t (p integer));

	FOREACH race IN ARRAY races LOOP
	kind := split_part(race, ' ', 1);
	barrier := split_part(race, ' ', 2);
	FOR i IN 1 .. rounds LOOP
		round := i;
		v := i;
		-- a new activity at version v, committed (by the holder's session,
		-- this function being one transaction)
		SELECT t.x INTO target FROM dblink('race_holder', format(
			'SELECT clarky.log_activity(%L) #>> %L',
			jsonb_build_object('activity_type', 'task', 'contact_id', 'c_race',
							   'title', 'race ' || kind || ' ' || barrier || ' ' || i),
			'{data,id}')) AS t (x text);
		FOR j IN 2 .. v LOOP
			PERFORM * FROM dblink('race_holder', format('SELECT clarky.update_activity(%L, %L, %s)::text',
				target, jsonb_build_object('title', 'race at ' || j), j - 1)) AS t (x text);
		END LOOP;

		key := NULL;
		IF barrier = 'advisory' THEN
			key := 4200 + i;
			PERFORM pg_advisory_lock(key);
		ELSE
			PERFORM dblink_exec('race_holder', 'BEGIN');
			IF barrier = 'row' THEN
				PERFORM * FROM dblink('race_holder', format(
					'SELECT 1 FROM clarky.activities WHERE id = %L FOR UPDATE', target)) AS t (x integer);
			ELSE
				PERFORM * FROM dblink('race_holder', format(
					'SELECT clarky.update_activity(%L, %L, %s)::text', target,
					'{"title": "the holder changed it"}', v)) AS t (x text);
			END IF;
		END IF;

		FOR s IN 1 .. sessions LOOP
			PERFORM dblink_send_query(names[s], format('SELECT stress.race_step(%L, %L, %s, %s)',
				CASE WHEN kind = 'mixed' THEN CASE WHEN s % 2 = 0 THEN 'update' ELSE 'delete' END
					 ELSE kind END,
				target, v, coalesce(key::text, 'NULL')));
		END LOOP;

		-- every session blocked: at the advisory lock, or on the row
		deadline := clock_timestamp() + interval '10 seconds';
		LOOP
			SELECT count(DISTINCT l.pid) INTO blocked FROM pg_locks l
			WHERE l.pid = ANY (pids) AND NOT l.granted;
			EXIT WHEN blocked = sessions OR clock_timestamp() > deadline;
			PERFORM pg_sleep(0.005);
		END LOOP;
		waited := blocked = sessions;

		IF barrier = 'advisory' THEN
			PERFORM pg_advisory_unlock(key);
		ELSE
			PERFORM dblink_exec('race_holder', 'COMMIT');
		END IF;

		got := '{}';
		FOR s IN 1 .. sessions LOOP
			SELECT t.x INTO r FROM dblink_get_result(names[s]) AS t (x text);
			-- (the end of the result set)
			PERFORM * FROM dblink_get_result(names[s]) AS t (x text);
			got := got || r;
		END LOOP;
		outcomes := got;
		SELECT a.version, a.deleted_at IS NOT NULL,
			   -- an update's winner is the session whose title and metadata it left
			   NOT EXISTS (SELECT FROM unnest(got) AS o WHERE o LIKE 'ok %')
			   OR a.deleted_at IS NOT NULL
			   OR (a.title = 'race ' || (a.metadata ->> 'winner'))
		INTO final_version, deleted, winner_pid_title
		FROM clarky.activities a WHERE a.id = target;
		RETURN NEXT;
	END LOOP;
	END LOOP;

	FOREACH k IN ARRAY names LOOP
		PERFORM dblink_disconnect(k);
	END LOOP;
	PERFORM dblink_disconnect('race_holder');
END
$$;
