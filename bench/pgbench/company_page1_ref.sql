-- the same page 1 with total, as the union of the company's own timeline
-- and its contacts' timelines, sorted (bench_ref.company_people_activities)
SELECT bench_ref.company_people_activities('co_big');
