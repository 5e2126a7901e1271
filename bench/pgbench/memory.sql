-- the memory check: run with pgbench -c 1 -t <calls> -D n=0, one backend.
-- Mixed calls: typical contacts (1 in 100 the hot one), pages 1-4, a third
-- filtered by type.  At call :warm and every :step calls it records the
-- backend's memory: the sum of its memory contexts and its private (anon)
-- resident memory from /proc (the shared buffers it touched are not counted).
\set n :n + 1
\set c random(1, :contacts)
\set h random(1, 100)
\set p random(1, 4)
\set t random(-13, 7)
SELECT clarky.contact_activities(CASE WHEN :h = 1 THEN 'c_hot' ELSE 'c_' || :c END,
	('{note,call,meeting,video_call,task,todo,reminder}'::clarky.activity_type[])[:t], :p);
\if :n = :warm or :n % :step = 0
INSERT INTO bench_memory (n, pid, context_bytes, rss_anon_kb, pss_kb)
SELECT :n, pg_backend_pid(),
	(SELECT sum(total_bytes) FROM pg_backend_memory_contexts),
	(regexp_match(pg_read_file('/proc/self/status'), 'RssAnon:\s+(\d+) kB'))[1]::bigint,
	(regexp_match(pg_read_file('/proc/self/smaps_rollup'), 'Pss:\s+(\d+) kB'))[1]::bigint;
\endif
