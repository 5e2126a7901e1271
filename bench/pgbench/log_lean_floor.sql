-- lean floor: log_floor.sql's plain INSERT into the lean table instead of
-- clarky.activities: against the floor, what the extension's table costs
-- a write beyond the lean one (workspace, counts trigger, fourth timeline
-- index, CHECK constraints, 1.1.0's columns)
\set c random(1, :contacts)
INSERT INTO bench_lean.activities
	(contact_id, activity_type, title, description, duration_minutes, completed_at, metadata, occurred_at)
VALUES ('c_' || :c, 'call', 'Discovery call',
	'Walked through the platform, customer is interested in the Pro plan.', 32,
	'2026-04-29T15:30:00.000Z', '{"outcome": "qualified"}', '2026-04-29T15:00:00Z');
