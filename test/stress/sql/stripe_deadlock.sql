-- test/stress/sql/stripe_deadlock.sql: 20 concurrent sessions each write
-- to a counts stripe of their own (their backend id), and two of them, each
-- logging two activities in one transaction on contacts c_A and c_B in
-- opposite orders, neither wait for each other nor deadlock.  (When the
-- stripe was the backend id modulo 16, sessions 16 apart shared a stripe
-- and deadlocked here.)
--
-- Run as a superuser in a database with clarky_activity and a login role
-- stress_app granted clarky_writer; psql variable conn is a libpq
-- connection string (without user) to this database.  Prints one line:
-- "N distinct stripes of 20 sessions; sessions A and B: OUTCOME", where
-- OUTCOME is "no deadlock" or the error of a session.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT set_config('stress.conninfo', :'conn' || ' user=stress_app', false) \g /dev/null

DO $$
DECLARE
	conninfo constant text := current_setting('stress.conninfo');
	stripe_of integer[] := '{}';
	a integer;
	b integer;
	s integer;
	outcome text := 'no deadlock';
	err text;
BEGIN
	-- 20 sessions; each logs one activity on a contact of its own, and the
	-- stripe of that contact's count row tells its backend's stripe
	FOR i IN 1 .. 20 LOOP
		PERFORM dblink_connect('s' || i, conninfo);
		PERFORM * FROM dblink('s' || i, format($q$
			SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_probe_%s"}')$q$, i)) AS x(j json);
		SELECT x.stripe INTO s FROM dblink('s' || i, format($q$
			SELECT max(stripe) FROM clarky.activity_counts WHERE owner_id = 'c_probe_%s'$q$, i)) AS x(stripe integer);
		stripe_of := stripe_of || s;
	END LOOP;
	SELECT count(DISTINCT x) INTO s FROM unnest(stripe_of) AS x;
	-- sessions 1 and 17 shared a stripe under the old modulo-16 scheme
	a := 1;
	b := 17;

	PERFORM dblink_exec('s' || a, 'BEGIN');
	PERFORM dblink_exec('s' || b, 'BEGIN');
	PERFORM * FROM dblink('s' || a, $q$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_A"}')$q$) AS x(j json);
	PERFORM * FROM dblink('s' || b, $q$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_B"}')$q$) AS x(j json);
	-- a must not wait for b here ...
	PERFORM dblink_send_query('s' || a, $q$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_B"}')$q$);
	PERFORM pg_sleep(0.3);
	-- ... nor b for a
	BEGIN
		PERFORM * FROM dblink('s' || b, $q$SELECT clarky.log_activity('{"activity_type": "note", "contact_id": "c_A"}')$q$) AS x(j json);
	EXCEPTION WHEN OTHERS THEN
		outcome := 'session ' || b || ': ' || SQLERRM;
	END;
	BEGIN
		PERFORM * FROM dblink_get_result('s' || a) AS x(j json);
	EXCEPTION WHEN OTHERS THEN
		outcome := 'session ' || a || ': ' || SQLERRM;
	END;
	PERFORM set_config('stress.outcome',
		format('%s distinct stripes of 20 sessions; sessions %s and %s: %s', s, a, b, outcome), false);
	PERFORM dblink_disconnect(c) FROM unnest(dblink_get_connections()) AS c;
END
$$;
SELECT current_setting('stress.outcome');
