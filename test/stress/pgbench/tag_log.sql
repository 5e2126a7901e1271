-- test/stress/pgbench/tag_log.sql: log an activity in workspace ws_tags on
-- 2-10 of its 40 contacts and 0-4 of its 12 companies, shuffled
-- (stress.tag_log, in test/stress/sql/tags.sql)
SELECT stress.tag_log();
