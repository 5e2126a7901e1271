-- soft-delete a random activity, then restore it (two calls, two
-- transactions), so that the data set stays as it is; each client on its
-- own rows, so that no other client finds one of them deleted
\set n 1 + :client_id + :nclients * random(0, :ids / :nclients - 1)
SELECT clarky.delete_activity((SELECT id FROM bench_ids WHERE n = :n));
SELECT clarky.restore_activity((SELECT id FROM bench_ids WHERE n = :n));
