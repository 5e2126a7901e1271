-- the same middle page, as the union of the company's own timeline and its
-- contacts' timelines, sorted
SELECT bench_ref.company_people_activities('co_big', NULL, :copage);
