-- the lean log: the reference's validation in front of the lean table a
-- user would build by hand (bench/lean.sql); the log_ext.sql payload
\set c random(1, :contacts)
SELECT bench_lean.log_activity(('{"activity_type": "call", "contact_id": "c_' || :c || '", "title": "Discovery call", "description": "Walked through the platform, customer is interested in the Pro plan.", "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "occurred_at": "2026-04-29T15:00:00Z", "metadata": {"outcome": "qualified"}}')::jsonb);
