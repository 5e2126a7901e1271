-- test/stress/sql/backfill_race.sql: a write and a backfill of the same
-- contact, in flight at the same time, see each other.
--
-- A backfill (clarky.add_contact_to_company(..., backfill => true)) changes
-- the contact's activities that its snapshot sees; a write looks up the
-- memberships its snapshot sees.  Without a lock between them, an activity
-- logged (or given the contact) in a transaction still open while the
-- backfill runs and commits is seen by neither, and never reaches the
-- company.  Each case here makes that happen on purpose, with dblink
-- sessions in workspace ws_race:
--
--   log first:     w logs an activity on race_1 and stays open; the
--                  backfill of race_1 into race_co_1 starts; w commits
--   backfill first: the backfill of race_2 into race_co_2 runs in an open
--                  transaction; w logs an activity on race_2; the
--                  backfill's transaction commits
--   patch first:   w gives an activity of race_x the contact race_3 and
--                  stays open; the backfill of race_3 into race_co_3
--                  starts; w commits
--
-- Run as a superuser in a database with clarky_activity; psql variable conn
-- is a libpq connection string (without user) to this database.  Prints
-- one line per case: "CASE: the activity reaches COMPANY: BOOL; backfilled
-- N" (true expected in every case; backfilled 1 where the write came
-- first, 0 where the backfill did).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT set_config('stress.conninfo', :'conn' || ' user=postgres', false) \g /dev/null

SET clarky.workspace_id = 'ws_race';
SELECT set_config('stress.x', clarky.log_activity('{"activity_type": "note", "contact_id": "race_x"}') #>> '{data,id}', false)
\g /dev/null
RESET clarky.workspace_id;

CREATE FUNCTION pg_temp.reaches(activity text, company text) RETURNS boolean LANGUAGE sql AS $$
	SELECT company = ANY (via_company_ids) FROM clarky.activities
	 WHERE workspace_id = 'ws_race' AND id = activity
$$;

DO $$
DECLARE
	conninfo constant text := current_setting('stress.conninfo');
	s text;
	logged text;
	backfilled text;
	lines text[] := '{}';
BEGIN
	FOREACH s IN ARRAY ARRAY['w', 'b'] LOOP
		PERFORM dblink_connect(s, conninfo);
		PERFORM dblink_exec(s, 'SET clarky.workspace_id = ''ws_race''');
	END LOOP;

	-- log first
	PERFORM dblink_exec('w', 'BEGIN');
	SELECT t.id INTO logged FROM dblink('w',
		$q$SELECT clarky.log_activity('{"activity_type": "call", "contact_id": "race_1"}') #>> '{data,id}'$q$) AS t(id text);
	PERFORM dblink_send_query('b', $q$SELECT clarky.add_contact_to_company('race_1', 'race_co_1', true) #>> '{data,backfilled}'$q$);
	PERFORM pg_sleep(0.3);
	PERFORM dblink_exec('w', 'COMMIT');
	SELECT t.n INTO backfilled FROM dblink_get_result('b') AS t(n text);
	PERFORM * FROM dblink_get_result('b') AS t(n text);
	lines := lines || format('log first: the activity reaches race_co_1: %s; backfilled %s',
							 pg_temp.reaches(logged, 'race_co_1'), backfilled);

	-- backfill first
	PERFORM dblink_exec('b', 'BEGIN');
	SELECT t.n INTO backfilled FROM dblink('b',
		$q$SELECT clarky.add_contact_to_company('race_2', 'race_co_2', true) #>> '{data,backfilled}'$q$) AS t(n text);
	PERFORM dblink_send_query('w', $q$SELECT clarky.log_activity('{"activity_type": "call", "contact_ids": ["race_0", "race_2"]}') #>> '{data,id}'$q$);
	PERFORM pg_sleep(0.3);
	PERFORM dblink_exec('b', 'COMMIT');
	SELECT t.id INTO logged FROM dblink_get_result('w') AS t(id text);
	PERFORM * FROM dblink_get_result('w') AS t(id text);
	lines := lines || format('backfill first: the activity reaches race_co_2: %s; backfilled %s',
							 pg_temp.reaches(logged, 'race_co_2'), backfilled);

	-- patch first
	PERFORM dblink_exec('w', 'BEGIN');
	PERFORM * FROM dblink('w', format($q$SELECT clarky.update_activity(%L, '{"contact_ids": ["race_x", "race_3"]}')$q$,
									  current_setting('stress.x'))) AS t(j json);
	PERFORM dblink_send_query('b', $q$SELECT clarky.add_contact_to_company('race_3', 'race_co_3', true) #>> '{data,backfilled}'$q$);
	PERFORM pg_sleep(0.3);
	PERFORM dblink_exec('w', 'COMMIT');
	SELECT t.n INTO backfilled FROM dblink_get_result('b') AS t(n text);
	PERFORM * FROM dblink_get_result('b') AS t(n text);
	lines := lines || format('patch first: the activity reaches race_co_3: %s; backfilled %s',
							 pg_temp.reaches(current_setting('stress.x'), 'race_co_3'), backfilled);

	PERFORM set_config('stress.outcome', array_to_string(lines, E'\n'), false);
	PERFORM dblink_disconnect(c) FROM unnest(dblink_get_connections()) AS c;
END
$$;
SELECT current_setting('stress.outcome');
