-- test/stress/pgbench/tag_member.sql: add one of ws_tags' 40 contacts to
-- one of its 12 companies (1 without backfill, 2 with) or to one of 20 more
-- with backfill (3), or remove it from one of the 12 (4-5)
-- (stress.tag_member, in test/stress/sql/tags.sql)
\set op random(1, 5)
SELECT stress.tag_member(:op::integer);
