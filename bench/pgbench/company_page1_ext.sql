-- page 1 with total of the big company's whole timeline (scope all):
-- 1,000 contacts of 100 activities each, 55% of them logged against the
-- company too, the others reaching it through its people
SELECT clarky.company_activities('co_big');
