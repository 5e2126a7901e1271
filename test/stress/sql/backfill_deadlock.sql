-- test/stress/sql/backfill_deadlock.sql: two backfills
-- (clarky.add_contact_to_company(..., backfill => true)) of two contacts
-- that share activities, whose scans meet those activities in opposite
-- orders, do not deadlock.
--
-- A backfill changes every live activity of its contact at once.  When it
-- locked them in the order its scan met them (the heap's), two backfills
-- whose snapshots saw an activity at different places (one from before a
-- concurrent update moved it, one from after) locked two shared activities
-- in opposite orders and deadlocked; pgbench's tagging load
-- (test/stress/tagging.sh) met it within seconds.  This makes that order
-- happen on purpose, with dblink sessions in workspace ws_bf:
--
--   Z is on contact bf_a, X and Y on bf_a and bf_b, logged in that order
--   (so in the heap Z, X, Y).  Session h1 holds Z's row lock; backfill A
--   (bf_a) starts and waits on Z, its snapshot taken.  Session h2 moves X
--   to another occurred_at, whose new version (not a HOT update: the
--   timeline indexes change) goes after Y.  Session h3 holds Y's row lock;
--   backfill B (bf_b), with a snapshot that sees X after Y, waits on Y.
--   h1 commits: A locks Z, then X, and waits on Y behind B.  h3 commits:
--   B locks Y and wants X, which A holds: a deadlock, unless the backfills
--   lock in one order (by id: B then takes X before it waits on Y, and A
--   waits for B).
--
-- Run as a superuser in a database with clarky_activity; psql variable conn
-- is a libpq connection string (without user) to this database.  Prints
-- one line: "backfills of bf_a and bf_b: OUTCOME; backfilled A, B", where
-- OUTCOME is "no deadlock" or a session's error, and A and B are the
-- numbers the two backfills answered (3 and 2 expected).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT set_config('stress.conninfo', :'conn' || ' user=postgres', false) \g /dev/null

-- the three activities, committed before the sessions start
SET clarky.workspace_id = 'ws_bf';
SELECT set_config('stress.z', clarky.log_activity('{"activity_type": "note", "contact_ids": ["bf_a"]}') #>> '{data,id}', false)
\g /dev/null
SELECT set_config('stress.x', clarky.log_activity('{"activity_type": "note", "contact_ids": ["bf_a", "bf_b"]}') #>> '{data,id}', false)
\g /dev/null
SELECT set_config('stress.y', clarky.log_activity('{"activity_type": "note", "contact_ids": ["bf_b", "bf_a"]}') #>> '{data,id}', false)
\g /dev/null
RESET clarky.workspace_id;

DO $$
DECLARE
	conninfo constant text := current_setting('stress.conninfo');
	z constant text := current_setting('stress.z');
	x constant text := current_setting('stress.x');
	y constant text := current_setting('stress.y');
	s text;
	outcome text := 'no deadlock';
	got_a text := '?';
	got_b text := '?';
BEGIN
	FOREACH s IN ARRAY ARRAY['h1', 'h2', 'h3', 'a', 'b'] LOOP
		PERFORM dblink_connect(s, conninfo);
		PERFORM dblink_exec(s, 'SET clarky.workspace_id = ''ws_bf''');
	END LOOP;
	-- the backfills scan in the heap's order, as on a table of any size (on
	-- three rows the planner would read the primary key, in id order)
	PERFORM dblink_exec('a', 'SET enable_indexscan = off');
	PERFORM dblink_exec('b', 'SET enable_indexscan = off');

	PERFORM dblink_exec('h1', 'BEGIN');
	PERFORM * FROM dblink('h1', format('SELECT id FROM clarky.activities WHERE workspace_id = %L AND id = %L FOR UPDATE',
									   'ws_bf', z)) AS t(id text);
	PERFORM dblink_send_query('a', $q$SELECT clarky.add_contact_to_company('bf_a', 'bf_co_a', true) #>> '{data,backfilled}'$q$);
	PERFORM pg_sleep(0.3);
	PERFORM * FROM dblink('h2', format($q$SELECT clarky.update_activity(%L, '{"occurred_at": "2020-01-01T00:00:00Z"}')$q$, x)) AS t(j json);
	PERFORM dblink_exec('h3', 'BEGIN');
	PERFORM * FROM dblink('h3', format('SELECT id FROM clarky.activities WHERE workspace_id = %L AND id = %L FOR UPDATE',
									   'ws_bf', y)) AS t(id text);
	PERFORM dblink_send_query('b', $q$SELECT clarky.add_contact_to_company('bf_b', 'bf_co_b', true) #>> '{data,backfilled}'$q$);
	PERFORM pg_sleep(0.3);
	PERFORM dblink_exec('h1', 'COMMIT');
	PERFORM pg_sleep(0.3);
	PERFORM dblink_exec('h3', 'COMMIT');

	BEGIN
		SELECT t.n INTO got_a FROM dblink_get_result('a') AS t(n text);
		PERFORM * FROM dblink_get_result('a') AS t(n text);
	EXCEPTION WHEN OTHERS THEN
		outcome := 'backfill A: ' || SQLERRM;
	END;
	BEGIN
		SELECT t.n INTO got_b FROM dblink_get_result('b') AS t(n text);
		PERFORM * FROM dblink_get_result('b') AS t(n text);
	EXCEPTION WHEN OTHERS THEN
		outcome := 'backfill B: ' || SQLERRM;
	END;
	PERFORM set_config('stress.outcome',
		format('backfills of bf_a and bf_b: %s; backfilled %s, %s', outcome, got_a, got_b), false);
	PERFORM dblink_disconnect(c) FROM unnest(dblink_get_connections()) AS c;
END
$$;
SELECT current_setting('stress.outcome');
