-- floor: the same change by a plain UPDATE (the title, the update time and
-- the version, as update_activity writes them), nothing returned
\set n 1 + :client_id + :nclients * random(0, :ids / :nclients - 1)
\set r random(1, 1000000000)
UPDATE clarky.activities SET title = 'Edited title ' || :r, updated_at = now(), version = version + 1
WHERE workspace_id = 'default' AND id = (SELECT id FROM bench_ids WHERE n = :n) AND deleted_at IS NULL;
