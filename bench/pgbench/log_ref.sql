-- log a call (the seed's example) against a random typical contact; the
-- payload is JSON text the server parses, as a client would send it
\set c random(1, :contacts)
SELECT bench_ref.log_activity(('{"activity_type": "call", "contact_id": "c_' || :c || '", "title": "Discovery call", "description": "Walked through the platform, customer is interested in the Pro plan.", "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "occurred_at": "2026-04-29T15:00:00Z", "metadata": {"outcome": "qualified"}}')::jsonb);
