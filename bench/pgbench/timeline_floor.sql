-- floor: the same page and total without the API (no JSON): the 25 live
-- rows of the contact's two roads (1.3.0: its own activities, and those it
-- is one of the other contacts of, through clarky.activity_links), each
-- read newest first and cut at 25, merged, and the count(*)s behind total
-- as InitPlans, in one statement
\set c random(1, :contacts)
SELECT id, contact_id, company_id, activity_type, title, description, due_date, duration_minutes, completed_at, metadata, created_at, occurred_at, owner_id, updated_at, version, other_contact_ids, other_company_ids,
	(SELECT count(*) FROM clarky.activities
	 WHERE workspace_id = 'default' AND contact_id = 'c_' || :c AND deleted_at IS NULL)
	+ (SELECT count(*) FROM clarky.activity_links
	   WHERE workspace_id = 'default' AND owner_kind = 'contact' AND owner_id = 'c_' || :c) AS total
FROM ((SELECT * FROM clarky.activities
	   WHERE workspace_id = 'default' AND contact_id = 'c_' || :c AND deleted_at IS NULL
	   ORDER BY occurred_at DESC, id DESC LIMIT 25)
	  UNION ALL
	  (SELECT a.* FROM clarky.activity_links AS l
	   JOIN clarky.activities AS a ON a.workspace_id = l.workspace_id AND a.id = l.activity_id
		AND a.occurred_at = l.occurred_at AND a.deleted_at IS NULL
	   WHERE l.workspace_id = 'default' AND l.owner_kind = 'contact' AND l.owner_id = 'c_' || :c
	   ORDER BY l.occurred_at DESC, l.activity_id DESC LIMIT 25)) AS t
ORDER BY occurred_at DESC, id DESC
LIMIT 25;
