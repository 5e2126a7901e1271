-- test/stress/sql/changes.sql: the changing writers of the concurrency
-- check (test/stress/concurrency.sh), in the schema "stress" made by
-- checks.sql.  Run as a superuser, after checks.sql, with psql -v
-- ON_ERROR_STOP=1 -v app=ROLE (the login role the writers use).
--
-- stress.pool: 3,000 activities logged before the load, the writers' targets:
--   n 1-16      "contended": on the hot contact, chosen by many writers at once
--   n 17-1000   on the hot contact c_hot
--   n 1001-3000 on random contacts c_1..c_500 (every third also a company)
--
-- stress.change(n, op), called by pgbench/change.sql, changes pool activity n
-- by one of the 1.1.0 functions and records, in the same transaction, each
-- successful change in stress.changes (its new version and the values it
-- set), and each legitimate refusal in stress.refusals: CK409 (a stale
-- expected_version, read in the same transaction), P0002 (the activity is
-- deleted, or for a restore not deleted), or a reopen of an open activity
-- that changed nothing.  Any other error aborts the pgbench client, which
-- fails the check.

SET client_min_messages = warning;

CREATE TABLE stress.pool (
	n integer PRIMARY KEY,
	id text COLLATE "C" NOT NULL UNIQUE,
	title text NOT NULL,
	activity_type clarky.activity_type NOT NULL
);

-- the activities' first versions: through clarky.log_activity, in the
-- default workspace, a quarter backdated
INSERT INTO stress.pool (n, id, title, activity_type)
SELECT n, a.r #>> '{data,id}', a.r #>> '{data,title}', (a.r #>> '{data,activity_type}')::clarky.activity_type
FROM generate_series(1, 3000) AS n
CROSS JOIN LATERAL (SELECT clarky.log_activity(jsonb_build_object(
	'activity_type', (enum_range(NULL::clarky.activity_type))[1 + n % 7],
	'contact_id', CASE WHEN n <= 1000 THEN 'c_hot' ELSE 'c_' || (1 + n % 500) END,
	'company_id', CASE WHEN n > 1000 AND n % 3 = 0 THEN 'co_' || (1 + n % 50) END,
	'title', 'pool ' || n,
	'metadata', jsonb_build_object('pool', n, 'keep', 'this key is never patched'),
	'occurred_at', CASE WHEN n % 4 = 0 THEN to_jsonb(now() - n * interval '1 hour') END)) AS r) AS a;

CREATE SEQUENCE stress.change_seq;

-- One row per successful change, written by the changing transaction
CREATE TABLE stress.changes (
	seq bigint PRIMARY KEY,
	n integer NOT NULL,
	id text COLLATE "C" NOT NULL,
	op text NOT NULL,
	expected integer,			-- the expected_version passed, if any
	new_version integer NOT NULL,	-- the version of the answer
	at timestamptz NOT NULL,	-- the changing transaction's start: updated_at
	title text,					-- what the change set, where it set it
	meta_key text,
	meta_value bigint,
	activity_type clarky.activity_type,
	completed_at timestamptz,
	answer_ok boolean NOT NULL,	-- the answer showed what was set, at the row's version
	pid integer NOT NULL DEFAULT pg_backend_pid()
);
CREATE INDEX ON stress.changes (id, new_version);

-- One row per refused or empty change
CREATE TABLE stress.refusals (
	seq bigint PRIMARY KEY,
	n integer NOT NULL,
	id text COLLATE "C" NOT NULL,
	op text NOT NULL,
	sqlstate text NOT NULL,		-- CK409, P0002, or noop
	expected integer,
	current_version integer,	-- from CK409's detail
	message text
);

CREATE FUNCTION stress.change(n integer, op integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	target text;
	seq bigint := nextval('stress.change_seq');
	what text;
	patch jsonb;
	expected integer;
	prior integer;
	answer json;
	new_version integer;
	row_version integer;
	ok boolean;
	state text;
	msg text;
	detail text;
	key text := 'k' || (seq % 16);
	new_title text;
	new_type clarky.activity_type;
	stamp timestamptz;
BEGIN
	SELECT p.id INTO STRICT target FROM stress.pool p WHERE p.n = change.n;
	what := CASE WHEN op <= 4 THEN 'update' WHEN op <= 8 THEN 'update_v' WHEN op = 9 THEN 'retype'
				 WHEN op = 10 THEN 'complete' WHEN op = 11 THEN 'reopen' WHEN op = 12 THEN 'delete'
				 WHEN op = 13 THEN 'delete_v' ELSE 'restore' END;
	BEGIN
		CASE what
		WHEN 'update', 'update_v', 'retype' THEN
			-- always a change: the value seq is new
			patch := jsonb_build_object('metadata', jsonb_build_object(key, seq));
			IF seq % 2 = 0 THEN
				new_title := 'u' || seq;
				patch := patch || jsonb_build_object('title', new_title);
			END IF;
			IF what = 'retype' THEN
				new_type := (enum_range(NULL::clarky.activity_type))[1 + seq % 7];
				patch := patch || jsonb_build_object('activity_type', new_type);
			END IF;
			IF what = 'update_v' THEN
				-- read, then change what was read (others may change it meanwhile)
				expected := (clarky.get_activity(target) #>> '{data,version}')::integer;
				-- a client's think time, on the contended activities
				IF n <= 16 THEN
					PERFORM pg_sleep(0.002);
				END IF;
			END IF;
			answer := clarky.update_activity(target, patch, expected);
		WHEN 'complete' THEN
			-- always a change: a completed_at of its own
			stamp := timestamptz '2020-01-01 00:00:00+00' + seq * interval '1 millisecond';
			answer := clarky.complete_activity(target, stamp);
		WHEN 'reopen' THEN
			-- reopening an open activity changes nothing: hold the row to
			-- tell which it was
			SELECT a.version INTO prior FROM clarky.activities a
			WHERE a.id = target AND a.deleted_at IS NULL FOR UPDATE;
			answer := clarky.reopen_activity(target);
		WHEN 'delete', 'delete_v' THEN
			IF what = 'delete_v' THEN
				expected := (clarky.get_activity(target) #>> '{data,version}')::integer;
			END IF;
			answer := clarky.delete_activity(target, expected);
		ELSE
			answer := clarky.restore_activity(target);
		END CASE;
	EXCEPTION WHEN SQLSTATE 'CK409' OR SQLSTATE 'P0002' THEN
		GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
		INSERT INTO stress.refusals VALUES (seq, n, target, what, state, expected,
			substring(detail FROM 'The current version is (\d+)\.')::integer, msg);
		RETURN state;
	END;

	new_version := (answer #>> '{data,version}')::integer;
	IF what = 'reopen' AND new_version = prior THEN
		INSERT INTO stress.refusals VALUES (seq, n, target, what, 'noop', NULL, prior, NULL);
		RETURN 'noop';
	END IF;

	-- the row is this transaction's until it commits: the answer must be it
	SELECT a.version INTO row_version FROM clarky.activities a WHERE a.id = target;
	ok := answer #>> '{data,id}' = target AND new_version = row_version
		AND (answer #>> '{data,updated_at}')::timestamptz = date_trunc('milliseconds', now())
		AND CASE what
			WHEN 'update_v' THEN new_version = expected + 1
				AND (answer #>> ARRAY['data', 'metadata', key])::bigint = seq
				AND (new_title IS NULL OR answer #>> '{data,title}' = new_title)
			WHEN 'update' THEN (answer #>> ARRAY['data', 'metadata', key])::bigint = seq
				AND (new_title IS NULL OR answer #>> '{data,title}' = new_title)
			WHEN 'retype' THEN (answer #>> ARRAY['data', 'metadata', key])::bigint = seq
				AND answer #>> '{data,activity_type}' = new_type::text
			WHEN 'complete' THEN (answer #>> '{data,completed_at}')::timestamptz = stamp
			WHEN 'reopen' THEN answer #>> '{data,completed_at}' IS NULL
				AND new_version = prior + 1
			WHEN 'delete' THEN answer #>> '{data,deleted_at}' IS NOT NULL
			WHEN 'delete_v' THEN answer #>> '{data,deleted_at}' IS NOT NULL AND new_version = expected + 1
			ELSE answer #>> '{data,deleted_at}' IS NULL
		END;
	INSERT INTO stress.changes (seq, n, id, op, expected, new_version, at, title, meta_key, meta_value,
		activity_type, completed_at, answer_ok)
	VALUES (seq, n, target, what, expected, new_version, now(), new_title,
		CASE WHEN what IN ('update', 'update_v', 'retype') THEN key END,
		CASE WHEN what IN ('update', 'update_v', 'retype') THEN seq END,
		new_type, stamp, coalesce(ok, false));
	RETURN 'ok';
END
$$;

-- Every pool activity whose fields are not what its last recorded changes
-- set (a lost update shows here, and in stress.version_mismatches): the
-- title, every metadata key, the type, completed_at, deleted_at and
-- updated_at of the latest change (by version) that set each of them, or
-- the first version's where none did.
CREATE FUNCTION stress.content_mismatches()
RETURNS TABLE (n integer, id text, field text, got text, expected text)
LANGUAGE sql STABLE AS $$
	WITH last AS (
		SELECT p.n, a.id, a.title, a.metadata, a.activity_type, a.completed_at, a.deleted_at,
			   a.updated_at, a.created_at,
			   coalesce((SELECT c.title FROM stress.changes c WHERE c.id = p.id AND c.title IS NOT NULL
						 ORDER BY c.new_version DESC LIMIT 1), p.title) AS want_title,
			   coalesce((SELECT c.activity_type FROM stress.changes c
						 WHERE c.id = p.id AND c.activity_type IS NOT NULL
						 ORDER BY c.new_version DESC LIMIT 1), p.activity_type) AS want_type,
			   (SELECT c.completed_at FROM stress.changes c WHERE c.id = p.id AND c.op IN ('complete', 'reopen')
				ORDER BY c.new_version DESC LIMIT 1) AS want_completed,
			   (SELECT CASE WHEN c.op = 'restore' THEN NULL ELSE c.at END FROM stress.changes c
				WHERE c.id = p.id AND c.op IN ('delete', 'delete_v', 'restore')
				ORDER BY c.new_version DESC LIMIT 1) AS want_deleted,
			   coalesce((SELECT c.at FROM stress.changes c WHERE c.id = p.id
						 ORDER BY c.new_version DESC LIMIT 1), a.created_at) AS want_updated,
			   (SELECT jsonb_build_object('pool', p.n, 'keep', 'this key is never patched')
					   || coalesce(jsonb_object_agg(k.meta_key, k.meta_value), '{}')
				FROM (SELECT DISTINCT ON (c.meta_key) c.meta_key, c.meta_value FROM stress.changes c
					  WHERE c.id = p.id AND c.meta_key IS NOT NULL
					  ORDER BY c.meta_key, c.new_version DESC) AS k) AS want_metadata
		FROM stress.pool p JOIN clarky.activities a ON a.id = p.id
	)
	SELECT n, id, 'title', title, want_title FROM last WHERE title IS DISTINCT FROM want_title
	UNION ALL
	SELECT n, id, 'metadata', metadata::text, want_metadata::text FROM last
	WHERE metadata IS DISTINCT FROM want_metadata
	UNION ALL
	SELECT n, id, 'activity_type', activity_type::text, want_type::text FROM last
	WHERE activity_type IS DISTINCT FROM want_type
	UNION ALL
	SELECT n, id, 'completed_at', completed_at::text, want_completed::text FROM last
	WHERE completed_at IS DISTINCT FROM want_completed
	UNION ALL
	SELECT n, id, 'deleted_at', deleted_at::text, want_deleted::text FROM last
	WHERE deleted_at IS DISTINCT FROM want_deleted
	UNION ALL
	SELECT n, id, 'updated_at', updated_at::text, want_updated::text FROM last
	WHERE updated_at IS DISTINCT FROM want_updated
	UNION ALL
	SELECT p.n, p.id, 'missing', NULL, NULL FROM stress.pool p
	WHERE NOT EXISTS (SELECT FROM clarky.activities a WHERE a.id = p.id)
$$;

-- Refusals that should not have happened: a CK409 where no expected
-- version was passed, or whose current version is not above the expected
-- one, or with no recorded change that made the expected version stale
-- (the one to expected + 1); a P0002 of a change other than restore for an
-- activity never deleted; a no-op other than a reopen.
CREATE FUNCTION stress.unjustified_refusals()
RETURNS SETOF stress.refusals
LANGUAGE sql STABLE AS $$
	SELECT r.* FROM stress.refusals r
	WHERE CASE r.sqlstate
		WHEN 'CK409' THEN r.expected IS NULL OR r.current_version IS NULL
			OR r.current_version <= r.expected
			OR NOT EXISTS (SELECT FROM stress.changes c
						   WHERE c.id = r.id AND c.new_version = r.expected + 1)
		WHEN 'P0002' THEN r.op <> 'restore'
			AND NOT EXISTS (SELECT FROM stress.changes c
							WHERE c.id = r.id AND c.op IN ('delete', 'delete_v'))
		WHEN 'noop' THEN r.op <> 'reopen'
		ELSE true
	END
$$;

GRANT SELECT ON stress.pool TO :"app";
GRANT INSERT ON stress.changes, stress.refusals TO :"app";
GRANT USAGE ON SEQUENCE stress.change_seq TO :"app";
