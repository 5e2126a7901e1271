-- the same call tagged with ten contacts: ten consecutive typical contacts
-- from a random one, the first of them primary (nine links and ten counts)
\set c random(1, :contacts - 9)
SELECT clarky.log_activity(('{"activity_type": "call", "contact_ids": ["c_' || :c || '", "c_' || :c + 1 || '", "c_' || :c + 2 || '", "c_' || :c + 3 || '", "c_' || :c + 4 || '", "c_' || :c + 5 || '", "c_' || :c + 6 || '", "c_' || :c + 7 || '", "c_' || :c + 8 || '", "c_' || :c + 9 || '"], "title": "Discovery call", "description": "Walked through the platform, customer is interested in the Pro plan.", "duration_minutes": 32, "completed_at": "2026-04-29T15:30:00.000Z", "occurred_at": "2026-04-29T15:00:00Z", "metadata": {"outcome": "qualified"}}')::jsonb);
