-- mark a random activity done now (each client on its own rows)
\set n 1 + :client_id + :nclients * random(0, :ids / :nclients - 1)
SELECT clarky.complete_activity((SELECT id FROM bench_ids WHERE n = :n));
