-- one fixed page (-D page=N) of the hot contact's timeline
SELECT clarky.contact_activities('c_hot', NULL, :page);
