-- floor: the same page and total without the API (no JSON): the 25 rows,
-- and the count(*) behind total as an InitPlan, in one statement
\set c random(1, :contacts)
SELECT id, contact_id, company_id, activity_type, title, description, due_date, duration_minutes, completed_at, metadata, created_at, occurred_at,
	(SELECT count(*) FROM clarky.activities
	 WHERE workspace_id = 'default' AND contact_id = 'c_' || :c) AS total
FROM clarky.activities
WHERE workspace_id = 'default' AND contact_id = 'c_' || :c
ORDER BY occurred_at DESC, id DESC
LIMIT 25;
