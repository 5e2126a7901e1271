-- the total alone of the small company's whole timeline (10 activities):
-- the same page past its end
SELECT clarky.company_activities('co_small', NULL, 100000, 100);
