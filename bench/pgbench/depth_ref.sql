-- one fixed page (-D page=N) of the hot contact's timeline
SELECT bench_ref.contact_activities('c_hot', NULL, :page);
