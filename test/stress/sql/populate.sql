-- test/stress/sql/populate.sql: a populated database for the dump and
-- restore check (run as a superuser, after CREATE EXTENSION clarky_activity).
--
-- Four workspaces with contacts and companies, logged through
-- clarky.log_activity as an application role (grants and row-level security
-- in force); rows also written, moved and deleted with plain SQL as the
-- owner (the counts' trigger follows); activities updated, completed,
-- soft-deleted and restored through the 1.1.0 functions, and soft-deleted
-- with plain SQL (deleted_at and version must survive, the counts being
-- of live activities); API keys, some revoked; login roles
-- granted the extension's roles; and ACL changes on extension objects that
-- pg_dump must carry over.
SET client_min_messages = warning;

CREATE ROLE stress_app LOGIN;
GRANT clarky_writer TO stress_app;
-- the application serves several workspaces: trusted with them
GRANT SET ON PARAMETER clarky.workspace_id TO stress_app;
CREATE ROLE stress_report LOGIN;
GRANT clarky_analyst TO stress_report;
CREATE ROLE stress_keys LOGIN;
GRANT clarky_admin TO stress_keys;
CREATE ROLE stress_web LOGIN NOINHERIT;
GRANT clarky_anon, clarky_reader, clarky_writer TO stress_web;

-- a site's own changes to the extension's privileges
GRANT SELECT ON clarky.activities TO stress_report;
GRANT EXECUTE ON FUNCTION clarky.list_api_keys() TO stress_report;
REVOKE EXECUTE ON FUNCTION clarky_api.log_activity(jsonb) FROM clarky_anon;

SET ROLE stress_app;
DO $$
DECLARE
	ws text;
	i integer;
BEGIN
	FOREACH ws IN ARRAY ARRAY['default', 'ws_a', 'ws_b', 'ws_c'] LOOP
		PERFORM set_config('clarky.workspace_id', ws, true);
		FOR i IN 1 .. 700 LOOP
			PERFORM clarky.log_activity(jsonb_strip_nulls(jsonb_build_object(
				'activity_type', (enum_range(NULL::clarky.activity_type))[1 + i % 7],
				'contact_id', CASE WHEN i % 5 <> 0 THEN 'c_' || (i % 37) END,
				'company_id', CASE WHEN i % 3 = 0 OR i % 5 = 0 THEN 'co_' || (i % 11) END,
				'title', format('%s #%s Réunion ☕ 🚀 "quoted" back\slash', ws, i),
				'description', CASE WHEN i % 97 = 0 THEN repeat('a long description ', 2000)
									WHEN i % 4 <> 0 THEN format('description %s of %s', i, ws) END,
				'due_date', CASE WHEN i % 7 >= 4 THEN to_jsonb(timestamptz '2026-01-01 00:00+00' + i * interval '1 hour') END,
				'duration_minutes', CASE WHEN i % 7 IN (1, 2, 3) THEN (i % 120) + 0.5 END,
				'completed_at', CASE WHEN i % 6 = 0 THEN to_jsonb(timestamptz '2025-06-01 12:00+00' + i * interval '1 minute') END,
				'metadata', CASE WHEN i % 2 = 0 THEN jsonb_build_object('i', i, 'ws', ws, 'tags', jsonb_build_array('a', 'b'),
																		 'nested', jsonb_build_object('x', 1.5, 'y', NULL)) END,
				'occurred_at', to_jsonb(timestamptz '2025-01-01 00:00+00' + i * interval '37 minutes')
			)));
		END LOOP;
	END LOOP;
END
$$;
-- an activity's life, as the application: every 9th updated (title, owner,
-- metadata merged), every 13th deleted, every 29th deleted and restored,
-- every 31st completed
DO $$
DECLARE
	ws text;
	r record;
	i integer := 0;
BEGIN
	FOREACH ws IN ARRAY ARRAY['default', 'ws_a', 'ws_b', 'ws_c'] LOOP
		PERFORM set_config('clarky.workspace_id', ws, true);
		FOR r IN SELECT a.id, a.version FROM clarky.activities a WHERE a.workspace_id = ws ORDER BY a.id LOOP
			i := i + 1;
			IF i % 9 = 0 THEN
				PERFORM clarky.update_activity(r.id, jsonb_build_object('title', 'updated ' || i,
					'owner_id', 'u_' || (i % 4), 'metadata', jsonb_build_object('updated', i, 'tags', NULL)),
					r.version);
			ELSIF i % 13 = 0 THEN
				PERFORM clarky.delete_activity(r.id, r.version);
			ELSIF i % 29 = 0 THEN
				PERFORM clarky.delete_activity(r.id);
				PERFORM clarky.restore_activity(r.id);
			ELSIF i % 31 = 0 THEN
				PERFORM clarky.complete_activity(r.id, timestamptz '2026-02-01 00:00+00' + i * interval '1 minute');
			END IF;
		END LOOP;
	END LOOP;
END
$$;
RESET ROLE;

-- plain SQL as the owner: inserts, owner moves and deletes
INSERT INTO clarky.activities (workspace_id, contact_id, company_id, activity_type, title, metadata)
SELECT 'ws_c', 'c_plain_' || (g % 5), CASE WHEN g % 2 = 0 THEN 'co_plain' END,
	   (enum_range(NULL::clarky.activity_type))[1 + g % 7], 'plain insert ' || g, '{"plain": true}'
FROM generate_series(1, 60) AS g;
UPDATE clarky.activities SET contact_id = 'c_moved', activity_type = 'todo'
WHERE workspace_id = 'ws_b' AND contact_id = 'c_3';
DELETE FROM clarky.activities WHERE workspace_id = 'ws_a' AND contact_id = 'c_4';
UPDATE clarky.activities SET deleted_at = timestamptz '2026-03-01 00:00+00'
WHERE workspace_id = 'ws_c' AND contact_id = 'c_plain_1';

-- API keys: the keys themselves go to the check's file (stress.keys here),
-- revoked ones marked
CREATE SCHEMA stress_keys_saved;
CREATE TABLE stress_keys_saved.keys (key text PRIMARY KEY, workspace_id text, scope text, revoked boolean);
INSERT INTO stress_keys_saved.keys
SELECT clarky.create_api_key(ws, scopes, name), ws, scopes[cardinality(scopes)], false
FROM (VALUES ('ws_a', ARRAY['read', 'write'], 'a writer'),
			 ('ws_a', ARRAY['read'], 'a reader'),
			 ('ws_b', ARRAY['read', 'write'], 'b writer'),
			 ('ws_b', ARRAY['read'], 'b reader, revoked by key'),
			 ('ws_c', ARRAY['read'], 'c reader'),
			 ('default', ARRAY['read', 'write'], 'default writer, revoked by id')) AS k(ws, scopes, name);
SELECT clarky.revoke_api_key(key) FROM stress_keys_saved.keys WHERE workspace_id = 'ws_b' AND scope = 'read';
SELECT clarky.revoke_api_key(k.id) FROM clarky.api_keys k WHERE k.name = 'default writer, revoked by id';
UPDATE stress_keys_saved.keys SET revoked = true
WHERE (workspace_id, scope) IN (('ws_b', 'read'), ('default', 'write'));
