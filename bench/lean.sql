-- bench/lean.sql: the lean table, the second write baseline.
--
-- What a user would build by hand without the extension: one table of the
-- activity's fields (the seed's columns, with occurred_at and owner_id,
-- which the payload may give), a text primary key on the id alone, and the
-- three timeline indexes a contact's timeline, its type filter and a
-- company's timeline need.  None of what clarky.activities adds for the
-- API's guarantees: no workspace (no tenant column leading every key), no
-- kept counts (no row trigger), no fourth timeline index (company and
-- type), no CHECK constraints (the log function validates), no version,
-- update time or soft delete.  Its log function, bench_lean.log_activity,
-- is the reference's (bench/reference.sql), with the same validation.
--
-- Two choices keep it a fair baseline rather than a strawman: the id
-- columns are COLLATE "C", as the extension's are (the database's
-- C.UTF-8 collation would compare through strcoll), and the id comes from
-- the extension's clarky.new_activity_id(), the API's id format, so that
-- the primary key grows at its right edge on both tables (a random UUID
-- would insert all over the index).  Its own enum, with PostgreSQL's
-- built-in enum operators.
--
-- Loaded once per data set, by bench/run.sh after bench/generate.sql: the
-- live activities of clarky.activities, in the same order and with the
-- indexes in place (built by insertion, as the extension's were, so both
-- tables' indexes have the same fill).

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET synchronous_commit = off;

DROP SCHEMA IF EXISTS bench_lean CASCADE;
CREATE SCHEMA bench_lean;
COMMENT ON SCHEMA bench_lean IS
'Benchmark baseline: the activities table a user would write by hand, and its log function';

CREATE TYPE bench_lean.activity_type AS ENUM (
	'note', 'call', 'meeting', 'video_call', 'task', 'todo', 'reminder');

CREATE TABLE bench_lean.activities (
	id					text COLLATE "C" PRIMARY KEY DEFAULT clarky.new_activity_id(),
	contact_id			text COLLATE "C",
	company_id			text COLLATE "C",
	activity_type		bench_lean.activity_type NOT NULL,
	title				text,
	description			text,
	due_date			timestamptz,
	duration_minutes	numeric,
	completed_at		timestamptz,
	metadata			jsonb NOT NULL DEFAULT '{}',
	created_at			timestamptz NOT NULL DEFAULT now(),
	occurred_at			timestamptz NOT NULL DEFAULT now(),
	owner_id			text COLLATE "C"
);
CREATE INDEX activities_contact_timeline ON bench_lean.activities
	(contact_id, occurred_at DESC, id DESC) WHERE contact_id IS NOT NULL;
CREATE INDEX activities_contact_type_timeline ON bench_lean.activities
	(contact_id, activity_type, occurred_at DESC, id DESC) WHERE contact_id IS NOT NULL;
CREATE INDEX activities_company_timeline ON bench_lean.activities
	(company_id, occurred_at DESC, id DESC) WHERE company_id IS NOT NULL;

INSERT INTO bench_lean.activities
	(id, contact_id, company_id, activity_type, title, description, due_date,
	 duration_minutes, completed_at, metadata, created_at, occurred_at, owner_id)
SELECT id, contact_id, company_id, activity_type::text::bench_lean.activity_type,
	title, description, due_date, duration_minutes, completed_at, metadata,
	created_at, occurred_at, owner_id
FROM clarky.activities
WHERE deleted_at IS NULL;

GRANT USAGE ON SCHEMA bench_lean TO PUBLIC;
GRANT SELECT, INSERT ON bench_lean.activities TO PUBLIC;
