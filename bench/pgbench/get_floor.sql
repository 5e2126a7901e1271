-- floor: the same row by its primary key, the rendered columns as plain
-- values (no JSON)
\set n random(1, :ids)
SELECT id, contact_id, company_id, activity_type, title, description, due_date, duration_minutes, completed_at, metadata, created_at, occurred_at, owner_id, updated_at, version, other_contact_ids, other_company_ids
FROM clarky.activities
WHERE workspace_id = 'default' AND id = (SELECT id FROM bench_ids WHERE n = :n) AND deleted_at IS NULL;
