-- floor: the same page and total without the API (no JSON): the 25 live
-- rows, and the count(*) behind total as an InitPlan, in one statement
\set c random(1, :contacts)
SELECT id, contact_id, company_id, activity_type, title, description, due_date, duration_minutes, completed_at, metadata, created_at, occurred_at, owner_id, updated_at, version,
	(SELECT count(*) FROM clarky.activities
	 WHERE workspace_id = 'default' AND contact_id = 'c_' || :c AND deleted_at IS NULL) AS total
FROM clarky.activities
WHERE workspace_id = 'default' AND contact_id = 'c_' || :c AND deleted_at IS NULL
ORDER BY occurred_at DESC, id DESC
LIMIT 25;
