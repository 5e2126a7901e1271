-- bench/generate.sql: the benchmark's data set, generated inside the database.
--
-- psql variables (set by bench/run.sh):
--   rows       activities in all, the hot contact's included (2000000)
--   contacts   typical contacts, c_1 .. c_<contacts> (20000)
--   companies  companies, co_1 .. co_<companies> (2000)
--   hot_rows   activities of the hot contact c_hot (100000)
--   deleted    per mille of the activities soft-deleted (0; the variant
--              bench_<scale>_del has 100: 10%)
--
-- One set-based INSERT ... SELECT over generate_series, in the order a real
-- table fills up: occurred_at grows with the row number over the past three
-- years (plus up to an hour of jitter), so the heap is in time order while
-- each contact's activities are spread all over it.  Every rows/hot_rows-th
-- row belongs to the hot contact; the others go to a random typical contact
-- (2% to a company only).  A contact belongs to one company, which 55% of its
-- activities name too.  All rows are in the workspace 'default'.
--
-- Field mix: note 30%, call 20%, meeting 12%, video_call 8%, task 15%, todo
-- 8%, reminder 7%; a title on 92%; a description (one to five sentences) on
-- 60%; durations (some fractional) on calls and meetings; due dates on tasks,
-- todos and reminders; completed_at on calls and meetings and on half the
-- tasks and todos; metadata objects on 30%; an owner (one of 40 users) on
-- 80%.  Timestamps have microseconds.  Every activity is at version 1,
-- last updated when it was created, but the deleted ones (:deleted per
-- mille, chosen by a hash of the row number, so as many of the hot
-- contact's as of anyone's): version 2, deleted and last updated up to 30
-- days after they were logged.  No random() call depends on :deleted, so
-- the variant's activities are those of the plain set, some of them
-- deleted.
--
-- bench_ids numbers the live activities 1..n in id order: the by-id cases
-- pick a random row through it (pgbench cannot pick a random text id).
--
-- The counts side table (when the extension has one) is rebuilt once after
-- the load, with the row triggers disabled during it, through the
-- extension's own clarky.rebuild_activity_counts().

\set ON_ERROR_STOP 1
\if :{?deleted}
\else
\set deleted 0
\endif
\set sentences '{"Customer asked about migration help next quarter and wants a written plan before the budget review.","Walked through the platform; they are interested in the Pro plan but need single sign-on and an audit log first.","Procurement needs a security questionnaire, the DPA and two references from companies of a similar size.","The champion is moving to another team in March, so we should meet the new owner before the renewal call.","They compared us with two competitors on price and reporting; our import tool and the API were the deciding points.","Action items: send the proposal, book a technical deep dive with their engineers, and confirm the pilot''s success criteria.","Support ticket about slow exports was resolved by the hotfix; the customer confirmed and asked for a status page subscription.","Discussed seat expansion for the sales team in the spring, pending the hiring plan and the outcome of the pilot in Berlin.","Left a voicemail and sent a short follow-up email with the recording of the demo and the pricing sheet attached.","The legal team redlined the liability cap and the auto-renewal clause; finance approved the revised payment terms.","Next step is a workshop with their operations lead to map the current process and estimate the onboarding effort.","Renewal is likely if the reporting gaps are closed; they want weekly pipeline exports and a dashboard for managers."}'
SET client_min_messages = warning;
SET synchronous_commit = off;

SELECT to_regprocedure('clarky.rebuild_activity_counts()') IS NOT NULL AS have_rebuild \gset
\if :have_rebuild
ALTER TABLE clarky.activities DISABLE TRIGGER USER;
\endif

SELECT setseed(0.4242);

INSERT INTO clarky.activities
	(workspace_id, id, contact_id, company_id, activity_type, title, description,
	 due_date, duration_minutes, completed_at, metadata, created_at, occurred_at,
	 owner_id, updated_at, version, deleted_at)
SELECT 'default', clarky.new_activity_id(),
	t.contact_id,
	t.company_id,
	t.activity_type,
	CASE WHEN t.r_title < 0.92 THEN
		(ARRAY['Follow-up', 'Pricing question', 'Onboarding', 'Renewal', 'Quarterly review',
			   'Demo', 'Support escalation', 'Contract', 'Intro', 'Check-in'])[1 + t.i % 10]
		|| ' ' || replace(t.activity_type::text, '_', ' ') || ' #' || t.i
	END,
	CASE WHEN t.r_desc < 0.60 THEN
		array_to_string((:'sentences'::text[])[1 + t.i % 12 : 1 + t.i % 12 + (t.r_len * 4)::int], ' ')
	END,
	CASE WHEN t.activity_type IN ('task', 'todo', 'reminder') THEN
		t.occurred_at + make_interval(days => 1 + t.i % 30, hours => t.i % 9)
	END,
	t.duration,
	CASE
		WHEN t.duration IS NOT NULL THEN
			t.occurred_at + make_interval(secs => (t.duration * 60)::float8)
		WHEN t.activity_type IN ('task', 'todo') AND t.i % 2 = 0 THEN
			t.occurred_at + make_interval(hours => 1 + t.i % 72)
	END,
	CASE WHEN t.r_meta < 0.30 THEN
		CASE t.activity_type
			WHEN 'call' THEN jsonb_build_object(
				'outcome', (ARRAY['qualified', 'voicemail', 'no answer', 'callback'])[1 + t.i % 4],
				'recording_url', 'https://recordings.example.com/' || t.i || '.mp3')
			WHEN 'meeting' THEN jsonb_build_object(
				'attendees', jsonb_build_array('ana@example.com', 'li@example.org', 'sam@example.net'),
				'location', 'Room ' || (1 + t.i % 12))
			WHEN 'video_call' THEN jsonb_build_object(
				'provider', 'zoom', 'meeting_url', 'https://zoom.example.com/j/' || t.i,
				'attendees', jsonb_build_array('ana@example.com', 'li@example.org'))
			WHEN 'note' THEN jsonb_build_object('source', 'email', 'pinned', t.i % 3 = 0)
			ELSE jsonb_build_object('priority', (ARRAY['low', 'normal', 'high'])[1 + t.i % 3])
		END
		ELSE '{}'::jsonb
	END,
	t.created_at,
	t.occurred_at,
	CASE WHEN t.i % 5 <> 0 THEN 'u_' || (1 + (t.contact_no * 7 + t.i) % 40) END,
	coalesce(t.deleted_at, t.created_at),
	CASE WHEN t.deleted_at IS NULL THEN 1 ELSE 2 END,
	t.deleted_at
FROM (
	SELECT d.*,
		CASE WHEN abs(hashint4(d.i)) % 1000 < :deleted THEN
			least(d.created_at + make_interval(days => 1 + d.i % 30, secs => d.r_len * 3600),
				  now() - interval '1 minute')
		END AS deleted_at
	FROM (
		SELECT s.*,
			-- never after the load: bench/run.sh takes rows created after it
			-- for rows logged by a run
			least(s.occurred_at + make_interval(secs => s.r_len * 600), now()) AS created_at,
			CASE
				WHEN s.hot THEN 'c_hot'
				WHEN s.r_owner < 0.02 THEN NULL
				ELSE 'c_' || s.contact_no
			END AS contact_id,
			CASE
				WHEN s.hot THEN CASE WHEN s.r_company < 0.55 THEN 'co_1' END
				WHEN s.r_owner < 0.02 THEN 'co_' || (1 + s.contact_no % :companies)
				WHEN s.r_company < 0.55 THEN 'co_' || (1 + s.contact_no % :companies)
			END AS company_id,
			CASE WHEN s.activity_type IN ('call', 'meeting', 'video_call') THEN
				round((5 + s.r_len * 85)::numeric, CASE WHEN s.i % 10 = 0 THEN 1 ELSE 0 END)
			END AS duration
		FROM (
			SELECT g.i,
				(g.i % (:rows / :hot_rows) = 0) AS hot,
				1 + (random() * (:contacts - 1))::int AS contact_no,
				random() AS r_owner,
				random() AS r_company,
				random() AS r_title,
				random() AS r_desc,
				random() AS r_len,
				random() AS r_meta,
				(CASE
					WHEN r.t < 0.30 THEN 'note'
					WHEN r.t < 0.50 THEN 'call'
					WHEN r.t < 0.62 THEN 'meeting'
					WHEN r.t < 0.70 THEN 'video_call'
					WHEN r.t < 0.85 THEN 'task'
					WHEN r.t < 0.93 THEN 'todo'
					ELSE 'reminder'
				END)::clarky.activity_type AS activity_type,
				now() - interval '1 hour'
					- make_interval(secs => 3 * 365 * 86400 * (1 - g.i::float8 / :rows))
					+ make_interval(secs => random() * 3600) AS occurred_at
			FROM generate_series(1, :rows) AS g(i)
			CROSS JOIN LATERAL (SELECT random() + 0 * g.i AS t) AS r
			OFFSET 0
		) AS s
	) AS d
) AS t;

\if :have_rebuild
ALTER TABLE clarky.activities ENABLE TRIGGER USER;
SELECT clarky.rebuild_activity_counts() AS count_rows \gset
\endif

CREATE TABLE bench_ids (n integer PRIMARY KEY, id text COLLATE "C" NOT NULL);
INSERT INTO bench_ids
SELECT row_number() OVER (ORDER BY id), id
FROM clarky.activities
WHERE deleted_at IS NULL;
COMMENT ON TABLE bench_ids IS 'bench/generate.sql: the live activities numbered 1..n in id order, for the by-id cases';
GRANT SELECT ON bench_ids TO PUBLIC;
