-- a random typical contact's timeline filtered by a random type, page 1
\set c random(1, :contacts)
\set t random(1, 7)
SELECT bench_ref.contact_activities('c_' || :c, ('{note,call,meeting,video_call,task,todo,reminder}'::clarky.activity_type[])[:t]);
