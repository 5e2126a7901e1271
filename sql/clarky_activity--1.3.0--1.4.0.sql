/* sql/clarky_activity--1.3.0--1.4.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION clarky_activity UPDATE TO '1.4.0'" to load this file. \quit

-- 1.4.0: the scripts run where Citus propagates them.  Citus runs CREATE
-- EXTENSION and ALTER EXTENSION ... UPDATE of the coordinator again on
-- every worker, inside a transaction it then prepares (two-phase commit),
-- and a transaction that has sent NOTIFY cannot be prepared.  The scripts
-- of 1.0.0 to 1.3.0 each end with one, and stay as they were (frozen): so
-- from 1.4.0 on, the build makes from them a full install script and a
-- one-step update from every older version (scripts/sql_scripts.sh), both
-- without those NOTIFYs, and this script alone says whether to send one.
-- No SQL object changes.

-- Tell a running PostgREST to reload its schema cache, unless this script
-- runs as Citus runs it on a worker: Citus sets citus.enable_ddl_propagation
-- to off before it sends the command there.  On a single node the setting
-- does not exist, and on the coordinator it is on: the reload is sent.
DO $reload$
BEGIN
	IF pg_catalog.current_setting('citus.enable_ddl_propagation', true) IS DISTINCT FROM 'off' THEN
		PERFORM pg_catalog.pg_notify('pgrst', 'reload schema');
	END IF;
END
$reload$;
