-- test/stress/pgbench/tag_read.sql: in one REPEATABLE READ transaction, the
-- total and page 1 of a contact's timeline and of a company's (scope all and
-- direct) agree with plain SQL on the rows (stress.tag_read)
\set k random(1, 40)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT stress.tag_read(:k::integer);
COMMIT;
