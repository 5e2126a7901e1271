-- the big company's middle page (-D copage=N: half its pages), the one
-- farthest from both ends of its timeline
SELECT clarky.company_activities('co_big', NULL, :copage);
