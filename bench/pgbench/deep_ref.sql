-- a random page (1 .. maxpage, 25 rows) of the hot contact's timeline
\set p random(1, :maxpage)
SELECT bench_ref.contact_activities('c_hot', NULL, :p);
