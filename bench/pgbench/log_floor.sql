-- floor: the same row by a plain INSERT (the table's defaults for the
-- workspace, id and created_at), no validation, nothing returned
\set c random(1, :contacts)
INSERT INTO clarky.activities
	(contact_id, activity_type, title, description, duration_minutes, completed_at, metadata, occurred_at)
VALUES ('c_' || :c, 'call', 'Discovery call',
	'Walked through the platform, customer is interested in the Pro plan.', 32,
	'2026-04-29T15:30:00.000Z', '{"outcome": "qualified"}', '2026-04-29T15:00:00Z');
