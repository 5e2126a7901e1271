-- test/stress/pgbench/read_hot.sql: in one REPEATABLE READ transaction,
-- read a page of 100 (the first page half of the time, else one of the
-- first 150, deep pages and pages past the end included) of the hot contact's
-- timeline with clarky.contact_activities, then count its rows and find the
-- page's ids with plain SQL (live activities only: deleted_at IS NULL); record
-- any disagreement in stress.reader_mismatches (none is expected).  Writers
-- delete and restore activities of the hot contact meanwhile.
\set deep random(0, 1)
\set p 1 + :deep * random(0, 149)
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT (r -> 'pagination' ->> 'total')::bigint AS total,
       (r -> 'pagination' ->> 'total_pages')::bigint AS pages,
       json_array_length(r -> 'data') AS nrows,
       stress.answer_hash(r) AS h1
FROM (SELECT clarky.contact_activities('c_hot', NULL, :p::integer, 100) AS r) AS s \gset
SELECT count(*) AS counted, stress.page_hash('default', 'c_hot', :p::integer, 100) AS h2
FROM clarky.activities
WHERE workspace_id = 'default' AND contact_id = 'c_hot' AND deleted_at IS NULL \gset
\set expected least(100, greatest(0, :counted - (:p - 1) * 100))
\if :total != :counted or :nrows != :expected or :h1 != :h2 or :pages != (:counted + 99) / 100
INSERT INTO stress.reader_mismatches (pid, page, total, counted, nrows, pages, h1, h2)
VALUES (pg_backend_pid(), :p::integer, :total::bigint, :counted::bigint, :nrows::integer,
        :pages::bigint, :h1::bigint, :h2::bigint);
\endif
COMMIT;
