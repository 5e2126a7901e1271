-- the hand-written SQL of log_tag1_ext.sql's work, no API: the row by a
-- plain INSERT that looks up the companies its contact belongs to, and
-- the links that put it on their timelines (the counts trigger fires as
-- for the extension's INSERT); no validation, nothing returned
\set c random(1, :contacts)
WITH a AS (
	INSERT INTO clarky.activities
		(contact_id, activity_type, title, description, duration_minutes, completed_at, metadata, occurred_at,
		 via_company_ids)
	VALUES ('c_' || :c, 'call', 'Discovery call',
		'Walked through the platform, customer is interested in the Pro plan.', 32,
		'2026-04-29T15:30:00.000Z', '{"outcome": "qualified"}', '2026-04-29T15:00:00Z',
		coalesce((SELECT array_agg(m.company_id) FROM clarky.company_memberships AS m
				  WHERE m.workspace_id = clarky.current_workspace() AND m.contact_id = 'c_' || :c), '{}'))
	RETURNING workspace_id, id, occurred_at, activity_type, via_company_ids)
INSERT INTO clarky.activity_links (workspace_id, owner_kind, owner_id, activity_id, occurred_at, activity_type)
SELECT a.workspace_id, 'via_company', v, a.id, a.occurred_at, a.activity_type
FROM a, unnest(a.via_company_ids) AS v;
