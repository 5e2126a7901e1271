-- contact timeline, page 1 (25 rows and the total), a random typical contact
\set c random(1, :contacts)
SELECT clarky.contact_activities('c_' || :c);
