-- test/stress/pgbench/tag_change.sql: change one activity of
-- stress.tag_pool (stress.tag_change, in test/stress/sql/tags.sql): a third
-- of the time one of the 40 contended ones.  The operation: 1-3 a new
-- set of contacts (and every other time of companies), 4 a new primary
-- contact, 5 contact_id null, 6 new sets with expected_version, 7 a new
-- type and occurred_at, 8-9 delete (9 with expected_version), 10-11 restore.
\set zone random(1, 3)
\set n CASE WHEN :zone = 1 THEN random(1, 40) ELSE random(41, 1500) END
\set op random(1, 11)
SELECT stress.tag_change(:n::integer, :op::integer);
