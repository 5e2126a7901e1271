-- test/stress/pgbench/write_random.sql: log an activity on one of 500
-- contacts of the default workspace (every third also on one of 50
-- companies), recording the backend and the new id in the same transaction
\set c random(1, 500)
\set t random(1, 7)
\set co random(1, 50)
INSERT INTO stress.ids (pid, workspace_id, id)
SELECT pg_backend_pid(), clarky.current_workspace(),
       clarky.log_activity(jsonb_build_object(
           'activity_type', (enum_range(NULL::clarky.activity_type))[:t::integer],
           'contact_id', 'c_' || :c::integer,
           'company_id', CASE WHEN :c::integer % 3 = 0 THEN 'co_' || :co::integer END,
           'title', 'stress ' || :c::integer,
           'duration_minutes', :t::integer * 7,
           'metadata', jsonb_build_object('script', 'write_random'))) #>> '{data,id}';
