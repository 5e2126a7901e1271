-- bench/generate_company.sql: the company data set of the issue-10 cases.
--
-- Run by bench/run.sh on a database that bench/generate.sql has filled
-- first with the background: typical contacts c_1 .. c_<bg_contacts> in
-- companies co_1 .. co_<bg_companies>, about ten activities each.
--
-- psql variables (set by bench/run.sh):
--   bg_contacts   the background's contacts (20000)
--   bg_companies  the background's companies (2000)
--   contacts      people of the big company co_big, p_1 .. p_<contacts> (1000)
--   per_contact   activities of each of them (100)
--   small         activities of the small company co_small (10), on its
--                 two people q_1 and q_2
--
-- First the background's memberships: contact c_n belongs to co_(1 + n %
-- companies), the company bench/generate.sql names on 55% of its
-- activities, added with a backfill, so that its other activities reach
-- the company through it (the background's companies have their roads
-- through people too, and co_big is one company of many to the planner's
-- statistics, as in a CRM in use).  Then the big and the small company,
-- through the API, as an application writes them: each contact first joins
-- its company (clarky.add_contact_to_company), then every activity is
-- logged by clarky.log_activity, so that the extension attributes it to
-- the company through its contact when it is written (via_company_ids and
-- the 'via_company' links) and keeps the counts; a commit every 500
-- activities, as separate requests would.  The activities are logged in
-- the order of occurred_at, over the past three years (plus up to an hour
-- of jitter); row i is contact 1 + i % contacts's, so that every contact
-- has exactly per_contact, spread over the whole heap.  As in
-- bench/generate.sql, 55% of a contact's activities name its company too
-- (company_id: the company's own road; the extension does not also
-- attribute them through people), the others only the contact (the road
-- through people).  The field mix is bench/generate.sql's: note 30%, call
-- 20%, meeting 12%, video_call 8%, task 15%, todo 8%, reminder 7%; a title
-- on 92%, a description of one to five sentences on 60%, durations on
-- calls and meetings, due dates on tasks, todos and reminders, metadata on
-- 30%, an owner on 80%.  All in the workspace 'default'.

\set ON_ERROR_STOP 1
\set sentences '{"Customer asked about migration help next quarter and wants a written plan before the budget review.","Walked through the platform; they are interested in the Pro plan but need single sign-on and an audit log first.","Procurement needs a security questionnaire, the DPA and two references from companies of a similar size.","The champion is moving to another team in March, so we should meet the new owner before the renewal call.","They compared us with two competitors on price and reporting; our import tool and the API were the deciding points.","Action items: send the proposal, book a technical deep dive with their engineers, and confirm the pilot''s success criteria."}'
SET client_min_messages = warning;
SET synchronous_commit = off;
SELECT setseed(0.1010);

-- the background's memberships, with their backfill
SELECT count(clarky.add_contact_to_company('c_' || g, 'co_' || (1 + g % :bg_companies), backfill => true))
	AS members
FROM generate_series(1, :bg_contacts) AS g;

SELECT count(clarky.add_contact_to_company('p_' || g, 'co_big')) AS members FROM generate_series(1, :contacts) AS g;
SELECT count(clarky.add_contact_to_company('q_' || g, 'co_small')) AS members FROM generate_series(1, 2) AS g;

-- payload(i, n, contact, company, sentences): the payload of row i of n,
-- logged against contact and, on 55% of the rows, company too
CREATE FUNCTION pg_temp.payload(i bigint, n bigint, contact text, company text, sentences text[])
RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object(
		'activity_type', t.activity_type,
		'contact_id', contact,
		'company_id', CASE WHEN random() < 0.55 THEN company END,
		'title', CASE WHEN random() < 0.92 THEN
			(ARRAY['Follow-up', 'Pricing question', 'Onboarding', 'Renewal', 'Quarterly review',
				   'Demo', 'Support escalation', 'Contract', 'Intro', 'Check-in'])[1 + i % 10]
			|| ' ' || replace(t.activity_type, '_', ' ') || ' #' || i END,
		'description', CASE WHEN random() < 0.60 THEN
			array_to_string(sentences[1 + i % 6 : 1 + i % 6 + (random() * 4)::int], ' ') END,
		'due_date', CASE WHEN t.activity_type IN ('task', 'todo', 'reminder') THEN
			to_char((t.occurred_at + make_interval(days => 1 + (i % 30)::int)) AT TIME ZONE 'UTC',
					'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') END,
		'duration_minutes', CASE WHEN t.activity_type IN ('call', 'meeting', 'video_call') THEN
			round((5 + random() * 85)::numeric) END,
		'metadata', CASE WHEN random() < 0.30 THEN
			jsonb_build_object('source', 'email', 'priority', (ARRAY['low', 'normal', 'high'])[1 + i % 3]) END,
		'occurred_at', to_char(t.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
		'owner_id', CASE WHEN i % 5 <> 0 THEN 'u_' || (1 + i % 40) END))
	FROM (SELECT
			CASE
				WHEN r < 0.30 THEN 'note'
				WHEN r < 0.50 THEN 'call'
				WHEN r < 0.62 THEN 'meeting'
				WHEN r < 0.70 THEN 'video_call'
				WHEN r < 0.85 THEN 'task'
				WHEN r < 0.93 THEN 'todo'
				ELSE 'reminder'
			END AS activity_type,
			now() - interval '1 hour' - make_interval(secs => 3 * 365 * 86400 * (1 - i::float8 / n))
				+ make_interval(secs => random() * 3600) AS occurred_at
		  FROM (SELECT random() AS r) AS x) AS t
$$;

SELECT set_config('bench.sentences', :'sentences', false), set_config('bench.rows', (:contacts * :per_contact)::text, false),
	set_config('bench.contacts', :'contacts', false), set_config('bench.small', :'small', false) \g /dev/null
DO $$
DECLARE
	n bigint := current_setting('bench.rows')::bigint;
	contacts bigint := current_setting('bench.contacts')::bigint;
	small bigint := current_setting('bench.small')::bigint;
	sentences text[] := current_setting('bench.sentences')::text[];
BEGIN
	FOR i IN 1 .. n LOOP
		PERFORM clarky.log_activity(pg_temp.payload(i, n, 'p_' || (1 + i % contacts), 'co_big', sentences));
		IF i % 500 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
	FOR i IN 1 .. small LOOP
		PERFORM clarky.log_activity(pg_temp.payload(i, small, 'q_' || (1 + i % 2), 'co_small', sentences));
	END LOOP;
END
$$;
