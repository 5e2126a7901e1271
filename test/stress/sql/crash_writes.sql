-- test/stress/sql/crash_writes.sql: what the writers of crash_client.py
-- need in the database under test, and what checks their writes afterwards
-- (crash.sh, failover.sh).  Run as a superuser after checks.sql, with
-- psql -v ON_ERROR_STOP=1 -v writer=ROLE (the login role the clients write
-- as).  The check fills stress.crash_clients (each client's workspace)
-- before the load, and stress.sent and stress.acked from the clients' files
-- after it.

SET client_min_messages = warning;
-- the workspace each client writes in
CREATE TABLE stress.crash_clients (c integer PRIMARY KEY, workspace_id text NOT NULL);
-- the activity each logging statement made, written with it
CREATE TABLE stress.crash_ids (
	c integer, n integer, id text COLLATE "C" NOT NULL UNIQUE,
	PRIMARY KEY (c, n)
);
-- each change, written by the changing transaction; a reopen of an open
-- activity, and a membership, change nothing (new_version = prior_version)
CREATE TABLE stress.crash_changes (
	c integer, n integer,
	target integer NOT NULL,	-- the statement that logged the activity
	id text COLLATE "C" NOT NULL,
	op text NOT NULL,
	prior_version integer NOT NULL,
	new_version integer NOT NULL,
	at timestamptz NOT NULL,
	PRIMARY KEY (c, n)
);
CREATE INDEX ON stress.crash_changes (id);
CREATE VIEW stress.crash_versions AS
	SELECT id, new_version FROM stress.crash_changes WHERE new_version > prior_version;

-- Change the activity statement TARGET of client C logged, as statement N:
-- the answer of the function called; or, for OP member and unmember, add
-- the contact of PATCH to its company (with backfill as PATCH says) or
-- remove it: {"data": {"id": the activity's, "version": its version,
-- "membership": the answer}}
CREATE FUNCTION stress.crash_change(c integer, n integer, target integer, op text,
									patch jsonb, stamp timestamptz)
RETURNS json LANGUAGE plpgsql AS $$
DECLARE
	target_id text;
	prior integer;
	answer json;
BEGIN
	SELECT i.id INTO STRICT target_id FROM stress.crash_ids i
	WHERE i.c = crash_change.c AND i.n = crash_change.target;
	IF op IN ('member', 'unmember') THEN
		-- a membership: the activity keeps its version (a backfill changes
		-- no version), and is not locked (only its client changes it; a
		-- backfill locks the activities it changes in its own order)
		SELECT a.version INTO STRICT prior FROM clarky.activities a WHERE a.id = target_id;
		answer := json_build_object('data', json_build_object('id', target_id, 'version', prior,
			'membership', CASE op
				WHEN 'member' THEN clarky.add_contact_to_company(patch ->> 'contact_id', patch ->> 'company_id',
																 (patch ->> 'backfill')::boolean) -> 'data'
				ELSE to_json(clarky.remove_contact_from_company(patch ->> 'contact_id', patch ->> 'company_id'))
			END));
	ELSE
		SELECT a.version INTO STRICT prior FROM clarky.activities a WHERE a.id = target_id FOR UPDATE;
		answer := CASE op
			WHEN 'update' THEN clarky.update_activity(target_id, patch, prior)
			WHEN 'complete' THEN clarky.complete_activity(target_id, stamp)
			WHEN 'reopen' THEN clarky.reopen_activity(target_id)
			WHEN 'delete' THEN clarky.delete_activity(target_id, prior)
			WHEN 'restore' THEN clarky.restore_activity(target_id)
		END;
	END IF;
	INSERT INTO stress.crash_changes
	VALUES (c, n, target, target_id, op, prior, (answer #>> '{data,version}')::integer, now());
	RETURN answer;
END
$$;

-- What the clients sent (every statement that may have reached the server)
-- and what psql printed for them (the statements whose commit was
-- acknowledged), loaded from their files after the kill
CREATE TABLE stress.sent (c integer, n integer, payload jsonb, PRIMARY KEY (c, n));
CREATE TABLE stress.acked (c integer, n integer, answer jsonb, PRIMARY KEY (c, n));

CREATE VIEW stress.acked_logs AS
	SELECT k.* FROM stress.acked k JOIN stress.sent s USING (c, n) WHERE NOT s.payload ? 'change';
CREATE VIEW stress.acked_changes AS
	SELECT k.*, s.payload FROM stress.acked k JOIN stress.sent s USING (c, n) WHERE s.payload ? 'change';

-- The contacts (or companies) a payload P logs an activity on, primary
-- first: PRIMARY (contact_id) where given, then the others of LIST
-- (contact_ids) in their order; else LIST; '{}' for none
CREATE FUNCTION stress.sent_ids(p jsonb, "primary" text, list text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN p ? "primary" THEN ARRAY[p ->> "primary"] ELSE '{}' END
		   || coalesce((SELECT array_agg(x ORDER BY i) FROM jsonb_array_elements_text(p -> list)
							WITH ORDINALITY AS u (x, i)
						WHERE NOT p ? "primary" OR x <> p ->> "primary"), '{}')
$$;

-- The first field of an activity that differs from what was sent, as the
-- committed changes (stress.crash_changes, with what stress.sent says they
-- set) left it, and from what its logging was answered; NULL if none does.
-- a: the row (NULL: missing), c: the client, p: the payload logged, answer:
-- the answer of its logging.
CREATE FUNCTION stress.crash_mismatch(a clarky.activities, c integer, p jsonb, answer jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
	WITH ch AS (
		SELECT x.n, x.op, x.prior_version, x.new_version, x.at, s.payload AS sp
		FROM stress.crash_changes x JOIN stress.sent s ON (s.c, s.n) = (x.c, x.n)
		WHERE x.id = a.id
	), last_update AS (
		SELECT sp -> 'patch' AS patch FROM ch WHERE op = 'update' ORDER BY n DESC LIMIT 1
	), sent_ids AS (
		-- the contacts and companies logged (primary first: contact_id where
		-- given, else the first of contact_ids), as the last update of each
		-- list left them (a list patched replaces the set, its first primary)
		SELECT coalesce((SELECT array_agg(x ORDER BY i) FROM jsonb_array_elements_text(
							 (SELECT sp #> '{patch,contact_ids}' FROM ch WHERE op = 'update'
							  AND sp -> 'patch' ? 'contact_ids' ORDER BY n DESC LIMIT 1)) WITH ORDINALITY AS u (x, i)),
						logged.contacts) AS contacts,
			   coalesce((SELECT array_agg(x ORDER BY i) FROM jsonb_array_elements_text(
							 (SELECT sp #> '{patch,company_ids}' FROM ch WHERE op = 'update'
							  AND sp -> 'patch' ? 'company_ids' ORDER BY n DESC LIMIT 1)) WITH ORDINALITY AS u (x, i)),
						logged.companies) AS companies,
			   logged.contacts AS logged_contacts, logged.companies AS logged_companies
		FROM (SELECT stress.sent_ids(p, 'contact_id', 'contact_ids') AS contacts,
					 stress.sent_ids(p, 'company_id', 'company_ids') AS companies) AS logged
	), e AS (
		SELECT coalesce((SELECT patch ->> 'title' FROM last_update), p ->> 'title') AS title,
			   (SELECT patch ->> 'owner_id' FROM last_update) AS owner_id,
			   CASE WHEN EXISTS (SELECT FROM last_update) THEN
					(coalesce(p -> 'metadata', '{}') - 'tags')
					|| jsonb_build_object('u', (SELECT patch #> '{metadata,u}' FROM last_update),
						'nested', coalesce(p #> '{metadata,nested}', '{}')
							|| jsonb_build_object('score', (SELECT patch #> '{metadata,u}' FROM last_update)))
			   ELSE coalesce(p -> 'metadata', '{}') END AS metadata,
			   CASE WHEN EXISTS (SELECT FROM ch WHERE op IN ('complete', 'reopen')) THEN
					(SELECT (sp ->> 'completed_at')::timestamptz FROM ch
					 WHERE op IN ('complete', 'reopen') ORDER BY n DESC LIMIT 1)
			   ELSE (p ->> 'completed_at')::timestamptz END AS completed_at,
			   (SELECT CASE op WHEN 'delete' THEN at END FROM ch
				WHERE op IN ('delete', 'restore') ORDER BY n DESC LIMIT 1) AS deleted_at,
			   1 + (SELECT count(*) FROM ch WHERE new_version > prior_version) AS version,
			   coalesce((SELECT at FROM ch WHERE new_version > prior_version ORDER BY n DESC LIMIT 1),
						a.created_at) AS updated_at
	)
	SELECT CASE
		WHEN a.id IS NULL THEN 'missing'
		WHEN a.workspace_id IS DISTINCT FROM (SELECT w.workspace_id FROM stress.crash_clients w
										 WHERE w.c = crash_mismatch.c) THEN 'workspace_id'
		WHEN a.contact_id IS DISTINCT FROM sent_ids.contacts[1] THEN 'contact_id'
		WHEN a.company_id IS DISTINCT FROM sent_ids.companies[1] THEN 'company_id'
		WHEN a.other_contact_ids IS DISTINCT FROM coalesce(sent_ids.contacts[2:], '{}') THEN 'contact_ids'
		WHEN a.other_company_ids IS DISTINCT FROM coalesce(sent_ids.companies[2:], '{}') THEN 'company_ids'
		WHEN a.activity_type::text IS DISTINCT FROM p ->> 'activity_type' THEN 'activity_type'
		WHEN a.title IS DISTINCT FROM e.title THEN 'title'
		WHEN a.description IS DISTINCT FROM p ->> 'description' THEN 'description'
		WHEN a.due_date IS DISTINCT FROM (p ->> 'due_date')::timestamptz THEN 'due_date'
		WHEN a.duration_minutes IS DISTINCT FROM (p ->> 'duration_minutes')::numeric THEN 'duration_minutes'
		WHEN a.completed_at IS DISTINCT FROM e.completed_at THEN 'completed_at'
		WHEN a.metadata IS DISTINCT FROM e.metadata THEN 'metadata'
		WHEN a.occurred_at IS DISTINCT FROM coalesce((p ->> 'occurred_at')::timestamptz, a.created_at)
			THEN 'occurred_at'
		WHEN a.owner_id IS DISTINCT FROM e.owner_id THEN 'owner_id'
		WHEN a.deleted_at IS DISTINCT FROM e.deleted_at THEN 'deleted_at'
		WHEN a.version IS DISTINCT FROM e.version THEN 'version'
		WHEN a.updated_at IS DISTINCT FROM e.updated_at THEN 'updated_at'
		-- what the client was answered when it logged the activity
		WHEN answer #>> '{data,id}' IS DISTINCT FROM a.id THEN 'answer id'
		WHEN answer #>> '{data,title}' IS DISTINCT FROM p ->> 'title' THEN 'answer title'
		WHEN answer #>> '{data,description}' IS DISTINCT FROM a.description THEN 'answer description'
		WHEN answer #> '{data,metadata}' IS DISTINCT FROM coalesce(p -> 'metadata', '{}') THEN 'answer metadata'
		WHEN answer -> 'data' ? 'contact_ids'
			 AND answer #> '{data,contact_ids}' IS DISTINCT FROM to_jsonb(sent_ids.logged_contacts)
			THEN 'answer contact_ids'
		WHEN answer -> 'data' ? 'company_ids'
			 AND answer #> '{data,company_ids}' IS DISTINCT FROM to_jsonb(sent_ids.logged_companies)
			THEN 'answer company_ids'
		WHEN abs(extract(epoch FROM a.created_at - (answer #>> '{data,created_at}')::timestamptz)) >= 0.001
			THEN 'answer created_at'
		WHEN abs(extract(epoch FROM a.occurred_at - (answer #>> '{data,occurred_at}')::timestamptz)) >= 0.001
			THEN 'answer occurred_at'
	END
	FROM e, sent_ids
$$;

GRANT SELECT, INSERT ON stress.crash_ids TO :"writer";
GRANT INSERT ON stress.crash_changes TO :"writer";
