-- the total alone of the big company's whole timeline (100,000
-- activities): a page past its end, which the extension answers from the
-- total, with no page to read
SELECT clarky.company_activities('co_big', NULL, 100000, 100);
