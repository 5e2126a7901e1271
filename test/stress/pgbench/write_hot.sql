-- test/stress/pgbench/write_hot.sql: log an activity on the hot contact
-- c_hot of the default workspace, a quarter of them backdated by up to a
-- year (so that new rows land inside the timeline, not only on top).
-- (No colon may follow a letter in these scripts: pgbench takes it for a
-- variable.)
\set t random(1, 7)
\set back random(-3, 31536000)
INSERT INTO stress.ids (pid, workspace_id, id)
SELECT pg_backend_pid(), clarky.current_workspace(),
       clarky.log_activity(jsonb_build_object(
           'activity_type', (enum_range(NULL::clarky.activity_type))[:t::integer],
           'contact_id', 'c_hot',
           'title', 'hot',
           'occurred_at', CASE WHEN :back::integer > 0 THEN
               to_jsonb(now() - :back::integer * interval '1 second') END)) #>> '{data,id}';
