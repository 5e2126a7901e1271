-- test/stress/pgbench/write_ws2.sql: log an activity in the second
-- workspace ws_stress_b, chosen with SET clarky.workspace_id for the session,
-- on one of 50 contacts (also named as in the default workspace)
\set c random(1, 50)
\set t random(1, 7)
SET clarky.workspace_id = 'ws_stress_b';
INSERT INTO stress.ids (pid, workspace_id, id)
SELECT pg_backend_pid(), clarky.current_workspace(),
       clarky.log_activity(jsonb_build_object(
           'activity_type', (enum_range(NULL::clarky.activity_type))[:t::integer],
           'contact_id', 'c_' || :c::integer,
           'company_id', 'co_b',
           'title', 'second workspace')) #>> '{data,id}';
RESET clarky.workspace_id;
