-- log_ext.sql's call, its contact given as contact_ids of one (the
-- baseline of log_tag10_ext.sql: the same payload but the list's length)
\set c random(1, :contacts)
SELECT clarky.log_activity(('{"activity_type": "call", "contact_ids": ["c_' || :c || '"], "title": "Discovery call", "description": "Walked through the platform, customer is interested in the Pro plan.", "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "occurred_at": "2026-04-29T15:00:00Z", "metadata": {"outcome": "qualified"}}')::jsonb);
