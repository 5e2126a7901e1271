-- contact timeline, page 1 (25 rows and the total), a random typical contact
\set c random(1, :contacts)
SELECT bench_ref.contact_activities('c_' || :c);
