-- page 1 with total of the hot contact (100,000 activities)
SELECT bench_ref.contact_activities('c_hot');
