-- test/stress/pgbench/change.sql: change one activity of stress.pool by one
-- of the 1.1.0 functions (stress.change, in test/stress/sql/changes.sql):
-- 30 % of the time one of the 16 contended activities of the hot contact,
-- 30 % another of the hot contact's, 40 % one of random contacts.  The
-- operation: 1-4 an update of metadata (and every other time the title),
-- 5-8 the same with the version read first in the transaction as
-- expected_version, 9 an update that also changes the activity type,
-- 10 complete, 11 reopen, 12 delete, 13 delete with expected_version,
-- 14-16 restore.  Each change and each legitimate refusal (CK409, P0002)
-- is recorded in the same transaction.
\set zone random(1, 10)
\set n CASE WHEN :zone <= 3 THEN random(1, 16) WHEN :zone <= 6 THEN random(17, 1000) ELSE random(1001, 3000) END
\set op random(1, 16)
SELECT stress.change(:n::integer, :op::integer);
