-- contract floor: the floor's plain INSERT plus what the API's contract asks
-- of any implementation of it, and nothing else: the payload arrives as JSON
-- text and is parsed into jsonb (the log_ext.sql payload, same bytes), and the
-- answer is a JSON object of the same size as the created activity's (a
-- constant here). Not a target: it shows how much of the gap between the
-- extension and the floor is the contract, and how much the implementation.
\set c random(1, :contacts)
INSERT INTO clarky.activities
	(contact_id, activity_type, title, description, duration_minutes, completed_at, metadata, occurred_at)
SELECT 'c_' || :c, 'call', 'Discovery call',
	'Walked through the platform, customer is interested in the Pro plan.', 32,
	'2026-04-29T15:30:00.000Z', '{"outcome": "qualified"}', '2026-04-29T15:00:00Z'
WHERE ('{"activity_type": "call", "contact_id": "c_' || :c || '", "title": "Discovery call", "description": "Walked through the platform, customer is interested in the Pro plan.", "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "occurred_at": "2026-04-29T15:00:00Z", "metadata": {"outcome": "qualified"}}')::jsonb IS NOT NULL
RETURNING '{"data": {"id": "a_01KMZ8Y3Q6W0V2X4T5R7N9P1B3", "contact_id": "c_12345", "company_id": null, "activity_type": "call", "title": "Discovery call", "description": "Walked through the platform, customer is interested in the Pro plan.", "due_date": null, "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "metadata": {"outcome": "qualified"}, "created_at": "2026-11-26T11:40:00.000Z", "occurred_at": "2026-04-29T15:00:00.000Z", "owner_id": null, "updated_at": "2026-11-26T11:40:00.000Z", "version": 1, "contact_ids": ["c_12345"], "company_ids": []}}'::json;
