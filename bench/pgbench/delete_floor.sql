-- floor: the same delete and restore by two plain UPDATEs, nothing returned
\set n 1 + :client_id + :nclients * random(0, :ids / :nclients - 1)
UPDATE clarky.activities SET deleted_at = now(), updated_at = now(), version = version + 1
WHERE workspace_id = 'default' AND id = (SELECT id FROM bench_ids WHERE n = :n) AND deleted_at IS NULL;
UPDATE clarky.activities SET deleted_at = NULL, updated_at = now(), version = version + 1
WHERE workspace_id = 'default' AND id = (SELECT id FROM bench_ids WHERE n = :n) AND deleted_at IS NOT NULL;
