/* sql/clarky_activity--1.2.0--1.3.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION clarky_activity UPDATE TO '1.3.0'" to load this file. \quit

-- 1.3.0: one activity, many people.  An activity has up to 50 contacts and
-- 50 companies, the primary ones in contact_id and company_id and the
-- others beside them; contacts belong to companies; a company's timeline is
-- the shared feed of its people.  See src/links.c and the README's
-- "Contacts, companies and their timelines".
--
-- Every existing activity keeps its contact and company as the primary
-- ones: they stay where they are (contact_id, company_id and their
-- indexes), and its other contacts, other companies and the companies it
-- reaches through people are empty.  Nothing is rewritten: the new columns
-- have constant defaults, and the new tables start empty.

------------------------------------------------------------------------------
-- An activity's other contacts and companies
------------------------------------------------------------------------------

ALTER TABLE clarky.activities
	ADD COLUMN other_contact_ids text[] COLLATE "C" NOT NULL DEFAULT '{}',
	ADD COLUMN other_company_ids text[] COLLATE "C" NOT NULL DEFAULT '{}',
	ADD COLUMN via_company_ids text[] COLLATE "C" NOT NULL DEFAULT '{}';

-- NOT VALID, then validated: the check reads every row once, without
-- holding off reads and writes (SHARE UPDATE EXCLUSIVE) while it does.
ALTER TABLE clarky.activities
	ADD CONSTRAINT activities_other_contact_ids_valid
		CHECK (pg_catalog.cardinality(other_contact_ids) OPERATOR(pg_catalog.<=) 49
			   AND (contact_id IS NOT NULL OR pg_catalog.cardinality(other_contact_ids) OPERATOR(pg_catalog.=) 0)
			   AND pg_catalog.array_position(other_contact_ids, NULL) IS NULL
			   AND pg_catalog.array_position(other_contact_ids, '') IS NULL) NOT VALID,
	ADD CONSTRAINT activities_other_company_ids_valid
		CHECK (pg_catalog.cardinality(other_company_ids) OPERATOR(pg_catalog.<=) 49
			   AND (company_id IS NOT NULL OR pg_catalog.cardinality(other_company_ids) OPERATOR(pg_catalog.=) 0)
			   AND pg_catalog.array_position(other_company_ids, NULL) IS NULL
			   AND pg_catalog.array_position(other_company_ids, '') IS NULL) NOT VALID,
	ADD CONSTRAINT activities_via_company_ids_valid
		CHECK (pg_catalog.array_position(via_company_ids, NULL) IS NULL
			   AND pg_catalog.array_position(via_company_ids, '') IS NULL) NOT VALID;
ALTER TABLE clarky.activities VALIDATE CONSTRAINT activities_other_contact_ids_valid;
ALTER TABLE clarky.activities VALIDATE CONSTRAINT activities_other_company_ids_valid;
ALTER TABLE clarky.activities VALIDATE CONSTRAINT activities_via_company_ids_valid;

COMMENT ON COLUMN clarky.activities.contact_id IS
'The primary contact the activity is logged against (the first of the API''s contact_ids); contact_id or company_id is set';
COMMENT ON COLUMN clarky.activities.company_id IS
'The primary company the activity is logged against (the first of the API''s company_ids); contact_id or company_id is set';
COMMENT ON COLUMN clarky.activities.other_contact_ids IS
'The activity''s other contacts, after contact_id (the API''s contact_ids is contact_id and these): distinct, at most 49';
COMMENT ON COLUMN clarky.activities.other_company_ids IS
'The activity''s other companies, after company_id (the API''s company_ids is company_id and these): distinct, at most 49';
COMMENT ON COLUMN clarky.activities.via_company_ids IS
'The companies the activity reached through its contacts when it was written (their memberships then, or a backfill), less its own companies; not rendered';
COMMENT ON CONSTRAINT activities_other_contact_ids_valid ON clarky.activities IS
'Other contacts only beside a primary one, at most 49, none null or empty';
COMMENT ON CONSTRAINT activities_other_company_ids_valid ON clarky.activities IS
'Other companies only beside a primary one, at most 49, none null or empty';
COMMENT ON CONSTRAINT activities_via_company_ids_valid ON clarky.activities IS
'No company reached through people is null or empty';

------------------------------------------------------------------------------
-- Links: the roads to timelines other than the primary ones
------------------------------------------------------------------------------

-- A live activity has one link per other contact ('contact'), per other
-- company ('company') and per company reached through its people
-- ('via_company'); a deleted one has none.  Written by the C functions
-- with the activity, in the same transaction, from the activity's row,
-- which is the whole truth: no trigger and no foreign key (either would
-- cost every link a lookup of its activity; timelines join each link to
-- its live activity, so a link without one shows nowhere, and
-- clarky.rebuild_activity_links() writes them all again after plain SQL).
-- The key is the timeline's order, read backwards for newest first, and
-- carries the type: one index serves every road of every page, filtered
-- or not, and an activity's links are found from its own row.
CREATE TABLE clarky.activity_links (
	workspace_id	text COLLATE "C" NOT NULL,
	owner_kind		text COLLATE "C" NOT NULL,
	owner_id		text COLLATE "C" NOT NULL,
	activity_id		text COLLATE "C" NOT NULL,
	occurred_at		timestamptz NOT NULL,
	activity_type	clarky.activity_type NOT NULL,

	CONSTRAINT activity_links_pkey
		PRIMARY KEY (workspace_id, owner_kind, owner_id, occurred_at, activity_id)
		INCLUDE (activity_type),
	CONSTRAINT activity_links_owner_kind
		CHECK (owner_kind OPERATOR(pg_catalog.=) 'contact'
			   OR owner_kind OPERATOR(pg_catalog.=) 'company'
			   OR owner_kind OPERATOR(pg_catalog.=) 'via_company'),
	CONSTRAINT activity_links_owner_id_not_empty
		CHECK (owner_id OPERATOR(pg_catalog.<>) '')
);

-- pg_dump keeps the links with the activities, so that a restored
-- database needs no rebuild.
SELECT pg_catalog.pg_extension_config_dump('clarky.activity_links', '');

COMMENT ON TABLE clarky.activity_links IS
'The roads of live activities to the timelines of their other contacts, their other companies and the companies they reach through people (the primary contact''s and company''s are the activities'' own indexes); derived from clarky.activities, written with it';
COMMENT ON COLUMN clarky.activity_links.workspace_id IS 'The activity''s workspace; the distribution column under Citus, co-located with clarky.activities';
COMMENT ON COLUMN clarky.activity_links.owner_kind IS '''contact'' (one of its other contacts), ''company'' (one of its other companies) or ''via_company'' (a company it reaches through its people)';
COMMENT ON COLUMN clarky.activity_links.owner_id IS 'The contact or company id';
COMMENT ON COLUMN clarky.activity_links.activity_id IS 'The activity''s id';
COMMENT ON COLUMN clarky.activity_links.occurred_at IS 'The activity''s occurred_at: its place on the timeline';
COMMENT ON COLUMN clarky.activity_links.activity_type IS 'The activity''s type, for type-filtered timelines';
COMMENT ON CONSTRAINT activity_links_pkey ON clarky.activity_links IS
'One link per road, owner and activity, in timeline order (read backwards: newest first), with the type for filtered pages: each road of an owner''s timeline is a range of it';
COMMENT ON CONSTRAINT activity_links_owner_kind ON clarky.activity_links IS
'The three roads to a timeline other than the primary ones';
COMMENT ON CONSTRAINT activity_links_owner_id_not_empty ON clarky.activity_links IS
'An owner id is never the empty string';

------------------------------------------------------------------------------
-- Which contacts belong to which companies
------------------------------------------------------------------------------

CREATE TABLE clarky.company_memberships (
	workspace_id	text COLLATE "C" NOT NULL,
	company_id		text COLLATE "C" NOT NULL,
	contact_id		text COLLATE "C" NOT NULL,
	added_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),

	CONSTRAINT company_memberships_pkey PRIMARY KEY (workspace_id, company_id, contact_id),
	CONSTRAINT company_memberships_company_id_not_empty
		CHECK (company_id OPERATOR(pg_catalog.<>) ''),
	CONSTRAINT company_memberships_contact_id_not_empty
		CHECK (contact_id OPERATOR(pg_catalog.<>) '')
);

CREATE INDEX company_memberships_contact ON clarky.company_memberships
	(workspace_id, contact_id, company_id);

SELECT pg_catalog.pg_extension_config_dump('clarky.company_memberships', '');

COMMENT ON TABLE clarky.company_memberships IS
'Which contacts belong to which companies, per workspace: an activity on a contact also reaches the companies the contact belongs to when the activity is written';
COMMENT ON COLUMN clarky.company_memberships.workspace_id IS 'The workspace; the distribution column under Citus, co-located with clarky.activities';
COMMENT ON COLUMN clarky.company_memberships.company_id IS 'The company';
COMMENT ON COLUMN clarky.company_memberships.contact_id IS 'The contact who belongs to it';
COMMENT ON COLUMN clarky.company_memberships.added_at IS 'When the contact was added to the company';
COMMENT ON CONSTRAINT company_memberships_pkey ON clarky.company_memberships IS
'A contact belongs to a company once; a company''s contacts are a range of this key';
COMMENT ON CONSTRAINT company_memberships_company_id_not_empty ON clarky.company_memberships IS
'A company id is never the empty string';
COMMENT ON CONSTRAINT company_memberships_contact_id_not_empty ON clarky.company_memberships IS
'A contact id is never the empty string';
COMMENT ON INDEX clarky.company_memberships_contact IS
'The companies of a contact: looked up when an activity on the contact is written';

------------------------------------------------------------------------------
-- The counts follow every road
------------------------------------------------------------------------------

-- owner_kind 'contact' now counts an activity for each of its contacts,
-- 'company' for each of its companies, and 'via_company' for each company
-- it reaches through people; a company's whole timeline's total is the sum
-- of its 'company' and 'via_company' counts.  The existing counts are
-- right as they are: no activity has others yet.
ALTER TABLE clarky.activity_counts
	DROP CONSTRAINT activity_counts_owner_kind,
	ADD CONSTRAINT activity_counts_owner_kind
		CHECK (owner_kind OPERATOR(pg_catalog.=) 'contact'
			   OR owner_kind OPERATOR(pg_catalog.=) 'company'
			   OR owner_kind OPERATOR(pg_catalog.=) 'via_company');

COMMENT ON COLUMN clarky.activity_counts.owner_kind IS
'''contact'' (the activities a contact is on), ''company'' (those logged against a company) or ''via_company'' (those reaching a company through its people only)';
COMMENT ON CONSTRAINT activity_counts_owner_kind ON clarky.activity_counts IS
'Counts are kept for contacts, for companies, and for companies through their people';

-- The counts by month (UTC) of occurred_at: element m of months counts
-- month m from 1970-01 (0) to 2099-12 (1559), the earlier activities in the
-- first and the later in the last; zeros are trimmed from both ends.  A
-- deep page of a timeline finds from them the month it begins in, and
-- reads that month's index entries only (see activity_counts.c).
CREATE FUNCTION clarky.add_to_month_count(months bigint[], occurred_at timestamptz, delta bigint)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'clarky_add_to_month_count'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE clarky.month_counts(occurred_at timestamptz, delta bigint) (
	SFUNC = clarky.add_to_month_count,
	STYPE = bigint[],
	INITCOND = '{}',
	PARALLEL = SAFE
);

ALTER TABLE clarky.activity_counts ADD COLUMN months bigint[] NOT NULL DEFAULT '{}';

COMMENT ON FUNCTION clarky.add_to_month_count(bigint[], timestamptz, bigint) IS
'The months of clarky.activity_counts with delta added to the month of occurred_at, zeros trimmed from both ends';
COMMENT ON AGGREGATE clarky.month_counts(timestamptz, bigint) IS
'The sum of delta per month of occurred_at, as clarky.activity_counts keeps its months';
COMMENT ON COLUMN clarky.activity_counts.months IS
'How many activities this stripe adds in each month (UTC) of their occurred_at: element m counts month m from 1970-01 (0) to 2099-12 (1559), the earlier in the first and the later in the last; a deep page of a timeline finds the month it begins in from their sums';
REVOKE ALL ON FUNCTION clarky.add_to_month_count(bigint[], timestamptz, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.month_counts(timestamptz, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION clarky.rebuild_activity_counts() RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
	rows_written bigint;
BEGIN
	-- no write may slip in between the recount and its use
	LOCK TABLE clarky.activities IN SHARE MODE;
	TRUNCATE clarky.activity_counts;
	INSERT INTO clarky.activity_counts
		(workspace_id, owner_kind, owner_id, stripe,
		 notes, calls, meetings, video_calls, tasks, todos, reminders, months)
	SELECT a.workspace_id, o.kind, o.id, 0,
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'note'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'call'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'meeting'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'video_call'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'task'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'todo'),
		count(*) FILTER (WHERE a.activity_type OPERATOR(clarky.=) 'reminder'),
		clarky.month_counts(a.occurred_at, 1)
	FROM clarky.activities AS a
	CROSS JOIN LATERAL (
		VALUES ('contact', a.contact_id), ('company', a.company_id)
		UNION ALL SELECT 'contact', c FROM unnest(a.other_contact_ids) AS c
		UNION ALL SELECT 'company', c FROM unnest(a.other_company_ids) AS c
		UNION ALL SELECT 'via_company', c FROM unnest(a.via_company_ids) AS c
	) AS o (kind, id)
	WHERE o.id IS NOT NULL AND a.deleted_at IS NULL
	GROUP BY a.workspace_id, o.kind, o.id;
	GET DIAGNOSTICS rows_written = ROW_COUNT;
	RETURN rows_written;
END
$function$;

-- The links are derived from the activities too: after a bulk load or a
-- plain SQL change of an activity's others, write them again.
CREATE FUNCTION clarky.rebuild_activity_links() RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
	rows_written bigint;
BEGIN
	LOCK TABLE clarky.activities IN SHARE MODE;
	DELETE FROM clarky.activity_links;
	INSERT INTO clarky.activity_links
		(workspace_id, owner_kind, owner_id, activity_id, occurred_at, activity_type)
	SELECT a.workspace_id, o.kind, o.id, a.id, a.occurred_at, a.activity_type
	FROM clarky.activities AS a
	CROSS JOIN LATERAL (
		SELECT 'contact', c FROM unnest(a.other_contact_ids) AS c
		UNION ALL SELECT 'company', c FROM unnest(a.other_company_ids) AS c
		UNION ALL SELECT 'via_company', c FROM unnest(a.via_company_ids) AS c
	) AS o (kind, id)
	WHERE a.deleted_at IS NULL;
	GET DIAGNOSTICS rows_written = ROW_COUNT;
	RETURN rows_written;
END
$function$;

COMMENT ON FUNCTION clarky.rebuild_activity_counts() IS
'Recount clarky.activity_counts from clarky.activities (every contact, company and company reached through people of each live activity), for instance after a bulk load with ALTER TABLE clarky.activities DISABLE TRIGGER activities_counts; returns the number of count rows';
COMMENT ON FUNCTION clarky.rebuild_activity_links() IS
'Write clarky.activity_links again from clarky.activities (the others and the companies reached through people of each live activity), after a bulk load or plain SQL writes of those columns; returns the number of links';

REVOKE ALL ON FUNCTION clarky.rebuild_activity_links() FROM PUBLIC;

-- The counts of the activities already there, recounted with their months
SELECT clarky.rebuild_activity_counts();

------------------------------------------------------------------------------
-- The SQL API
------------------------------------------------------------------------------

COMMENT ON FUNCTION clarky.log_activity(jsonb) IS
'Log an activity from the seed''s POST body (plus occurred_at, owner_id, contact_ids and company_ids) in the current workspace; it reaches too the companies its contacts belong to now. Returns {"data": activity}. Raises an error naming the field (or the element, as contact_ids[2]) on any invalid input, before writing.';

COMMENT ON FUNCTION clarky.update_activity(text, jsonb, integer) IS
'Change a live activity by a JSON merge patch (RFC 7396; metadata merged by the same rules; contact_ids or company_ids replace the set), validated as log_activity validates; returns {"data": activity}. A stale expected_version is SQLSTATE CK409, its detail giving the current version; an empty patch changes nothing';

COMMENT ON FUNCTION clarky.contact_activities(text, clarky.activity_type, integer, integer) IS
'A contact''s timeline in the current workspace, newest first by occurred_at: every activity the contact is on (primary or not), each once. {"data": [...], "pagination": {"page", "page_size", "total", "total_pages"}}. page >= 1, page_size 1 to 100.';

-- The company timeline gains its scope: a new signature.
DROP FUNCTION clarky.company_activities(text, clarky.activity_type, integer, integer);

CREATE FUNCTION clarky.company_activities(
	company_id text,
	activity_type clarky.activity_type DEFAULT NULL,
	page integer DEFAULT 1,
	page_size integer DEFAULT 25,
	scope text DEFAULT 'all'
) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_company_activities'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clarky.company_activities(text, clarky.activity_type, integer, integer, text) IS
'A company''s timeline in the current workspace, newest first by occurred_at: with scope ''all'' (the default) the activities logged against it and those reaching it through its people, with ''direct'' only the former; each activity once. {"data": [...], "pagination": {...}}. page >= 1, page_size 1 to 100.';

CREATE FUNCTION clarky.add_contact_to_company(contact_id text, company_id text,
											  backfill boolean DEFAULT false)
RETURNS json
AS 'MODULE_PATHNAME', 'clarky_add_contact_to_company'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.add_contact_to_company(text, text, boolean) IS
'Make a contact one of a company''s contacts in the current workspace (nothing changes if it is one): the contact''s activities written from now on reach the company too; with backfill, so do its live activities of the past. Returns {"data": {"company_id", "contact_id", "added_at", "backfilled"}}';

CREATE FUNCTION clarky.remove_contact_from_company(contact_id text, company_id text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'clarky_remove_contact_from_company'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky.remove_contact_from_company(text, text) IS
'Take a contact out of a company''s contacts in the current workspace; what already reached the company stays. Returns whether it was one of them';

CREATE FUNCTION clarky.company_contacts(company_id text, page integer DEFAULT 1,
										page_size integer DEFAULT 25)
RETURNS json
AS 'MODULE_PATHNAME', 'clarky_company_contacts'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION clarky.company_contacts(text, integer, integer) IS
'A company''s contacts in the current workspace, by contact id: {"data": [{"company_id", "contact_id", "added_at"}, ...], "pagination": {...}}. page >= 1, page_size 1 to 100.';

------------------------------------------------------------------------------
-- Privileges and row-level security
------------------------------------------------------------------------------

GRANT UPDATE (other_contact_ids, other_company_ids, via_company_ids)
	ON clarky.activities TO clarky_writer;
GRANT SELECT ON clarky.activity_links, clarky.company_memberships
	TO clarky_reader, clarky_writer, clarky_analyst;
GRANT INSERT, DELETE ON clarky.activity_links, clarky.company_memberships TO clarky_writer;

-- As on the activities: the C code filters on the call's workspace (the
-- first wall); these confine every role but the owner to it as well.
ALTER TABLE clarky.activity_links ENABLE ROW LEVEL SECURITY;
CREATE POLICY activity_links_workspace ON clarky.activity_links
	USING (workspace_id OPERATOR(pg_catalog.=) clarky.current_workspace())
	WITH CHECK (workspace_id OPERATOR(pg_catalog.=) clarky.current_workspace());
CREATE POLICY activity_links_analyst_read ON clarky.activity_links
	FOR SELECT TO clarky_analyst USING (true);
ALTER TABLE clarky.company_memberships ENABLE ROW LEVEL SECURITY;
CREATE POLICY company_memberships_workspace ON clarky.company_memberships
	USING (workspace_id OPERATOR(pg_catalog.=) clarky.current_workspace())
	WITH CHECK (workspace_id OPERATOR(pg_catalog.=) clarky.current_workspace());
CREATE POLICY company_memberships_analyst_read ON clarky.company_memberships
	FOR SELECT TO clarky_analyst USING (true);

COMMENT ON POLICY activity_links_workspace ON clarky.activity_links IS
'Links of the current workspace (clarky.current_workspace()) only, for reading and writing';
COMMENT ON POLICY activity_links_analyst_read ON clarky.activity_links IS
'Analysts read the links of every workspace';
COMMENT ON POLICY company_memberships_workspace ON clarky.company_memberships IS
'Memberships of the current workspace only, for reading and writing';
COMMENT ON POLICY company_memberships_analyst_read ON clarky.company_memberships IS
'Analysts read the memberships of every workspace';

REVOKE ALL ON FUNCTION clarky.add_contact_to_company(text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.remove_contact_from_company(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky.company_contacts(text, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky.add_contact_to_company(text, text, boolean) TO clarky_writer;
GRANT EXECUTE ON FUNCTION clarky.remove_contact_from_company(text, text) TO clarky_writer;
GRANT EXECUTE ON FUNCTION clarky.company_contacts(text, integer, integer) TO clarky_reader, clarky_writer, clarky_analyst;

------------------------------------------------------------------------------
-- The HTTP API (1.3.0)
------------------------------------------------------------------------------

-- The company timeline takes ?scope=all|direct: a new signature.
DROP FUNCTION clarky_api.company_activities(text, text, text, text);

CREATE FUNCTION clarky_api.company_activities(
	company_id text DEFAULT NULL,
	activity_type text DEFAULT NULL,
	page text DEFAULT NULL,
	page_size text DEFAULT NULL,
	scope text DEFAULT NULL
) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_company_activities'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.company_activities(text, text, text, text, text) IS
'List a company''s activities

GET /api/v1/companies/{company_id}/activities: a paginated, reverse-chronological timeline of one company in the key''s workspace. scope=all (the default) gives the activities logged against the company and those of its people, each once; scope=direct the company''s own. activity_type, page and page_size as for a contact''s activities. 200 with {"data": [...], "pagination": {...}}; 422 validation_error naming the field; 401; 403.';

REVOKE ALL ON FUNCTION clarky_api.company_activities(text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky_api.company_activities(text, text, text, text, text) TO clarky_anon, clarky_reader, clarky_writer;

-- A company's contacts.  As for one activity, nginx maps PUT and DELETE
-- /api/v1/companies/{company_id}/contacts/{contact_id} to POST, passing
-- both ids (percent-encoded, as in the path) in the request headers
-- X-Clarky-Company-Id and X-Clarky-Contact-Id, which the C code reads from
-- request.headers; add_contact_to_company's one unnamed jsonb parameter
-- receives the PUT's body ({} where there is none).  The list is called as
-- the timelines are, company_id in the query string.

CREATE FUNCTION clarky_api.add_contact_to_company(jsonb) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_add_contact_to_company'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.add_contact_to_company(jsonb) IS
'Add a contact to a company

PUT /api/v1/companies/{company_id}/contacts/{contact_id} (the ids in the headers X-Clarky-Company-Id and X-Clarky-Contact-Id, percent-encoded, when calling PostgREST directly), optionally with the body {"backfill": true}: the contact''s activities logged from now on reach the company''s timeline too; with backfill, so do its past ones. Needs a key with the write scope. 201 with {"data": {"company_id", "contact_id", "added_at", "backfilled"}} when the membership is new, 200 when it was there already (added_at kept); 422 validation_error naming the field; 400 bad_request when the body is not a JSON object; 401; 403.';

CREATE FUNCTION clarky_api.remove_contact_from_company() RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_remove_contact_from_company'
LANGUAGE C VOLATILE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.remove_contact_from_company() IS
'Remove a contact from a company

DELETE /api/v1/companies/{company_id}/contacts/{contact_id} (the ids as for PUT): the contact''s activities logged from now on no longer reach the company; what already reached it stays. Needs a key with the write scope. 204 with no body; 404 not_found when the contact is not one of the company''s; 422 validation_error naming the field; 401; 403.';

CREATE FUNCTION clarky_api.company_contacts(
	company_id text DEFAULT NULL,
	page text DEFAULT NULL,
	page_size text DEFAULT NULL
) RETURNS json
AS 'MODULE_PATHNAME', 'clarky_api_company_contacts'
LANGUAGE C STABLE PARALLEL UNSAFE;

COMMENT ON FUNCTION clarky_api.company_contacts(text, text, text) IS
'List a company''s contacts

GET /api/v1/companies/{company_id}/contacts: the contacts of one company in the key''s workspace, by contact id. page (from 1) and page_size (1 to 100, default 25) paginate. 200 with {"data": [{"company_id", "contact_id", "added_at"}, ...], "pagination": {...}}; 422 validation_error naming the field; 401; 403.';

-- As in 1.0.0: the anonymous and reader roles may call every API function,
-- to be told 401 or 403 in Clarky's envelope.
REVOKE ALL ON FUNCTION clarky_api.add_contact_to_company(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.remove_contact_from_company() FROM PUBLIC;
REVOKE ALL ON FUNCTION clarky_api.company_contacts(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky_api.add_contact_to_company(jsonb) TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.remove_contact_from_company() TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION clarky_api.company_contacts(text, text, text) TO clarky_anon, clarky_reader, clarky_writer;

-- Tell a running PostgREST to reload its schema cache.
NOTIFY pgrst, 'reload schema';
