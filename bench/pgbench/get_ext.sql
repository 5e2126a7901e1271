-- one live activity by id, a random one of the data set's (bench_ids
-- numbers them; the lookup is the same on both sides)
\set n random(1, :ids)
SELECT clarky.get_activity((SELECT id FROM bench_ids WHERE n = :n));
