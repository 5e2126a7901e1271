-- change a random activity's title by a merge patch (JSON text the server
-- parses).  Each client draws from its own rows (every nclients-th), so
-- that no two clients wait on one row.
\set n 1 + :client_id + :nclients * random(0, :ids / :nclients - 1)
\set r random(1, 1000000000)
SELECT clarky.update_activity((SELECT id FROM bench_ids WHERE n = :n), ('{"title": "Edited title ' || :r || '"}')::jsonb);
