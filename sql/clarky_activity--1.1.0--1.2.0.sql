/* sql/clarky_activity--1.1.0--1.2.0.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION clarky_activity UPDATE TO '1.2.0'" to load this file. \quit

-- 1.2.0: who may choose a workspace.  Once this script has run, the
-- library defines the settings clarky.workspace_id and
-- clarky.allowed_workspaces as superuser-only (PGC_SUSET): a role binds a
-- workspace freely only when trusted with it (GRANT SET ON PARAMETER
-- clarky.workspace_id), a confined role (ALTER ROLE ... SET
-- clarky.allowed_workspaces) acts only in its workspaces, and any other
-- role in the default workspace.  The HTTP path binds the workspace of the
-- API key it was shown.  See src/workspace.c and the README's "Who can
-- choose a workspace".

------------------------------------------------------------------------------
-- Binding a workspace
------------------------------------------------------------------------------

-- Callable by every role: the function decides who may bind what.
CREATE FUNCTION clarky.use_workspace(workspace_id text, is_local boolean DEFAULT false) RETURNS text
AS 'MODULE_PATHNAME', 'clarky_use_workspace'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION clarky.use_workspace(text, boolean) IS
'Bind the workspace of this session (or, with is_local, of this transaction) and return the workspace the calls now act in. A confined role may bind its own workspaces (clarky.allowed_workspaces); other roles any, if they or their login role may set clarky.workspace_id (superusers, GRANT SET ON PARAMETER). An empty id clears the binding. Refused with SQLSTATE CK403';

CREATE FUNCTION clarky.may_use_workspace(workspace_id text) RETURNS boolean
AS 'MODULE_PATHNAME', 'clarky_may_use_workspace'
LANGUAGE C STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION clarky.may_use_workspace(text) IS
'Whether clarky.use_workspace would bind this workspace for the caller';

CREATE FUNCTION clarky.use_api_key(api_key text) RETURNS text
AS 'MODULE_PATHNAME', 'clarky_use_api_key'
LANGUAGE C VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp;

COMMENT ON FUNCTION clarky.use_api_key(text) IS
'The HTTP path''s binding: for an active API key, bind its workspace for the transaction and return its scope; NULL for a key that is unknown or revoked. Refused (CK403) in a session confined to other workspaces';

-- The key path runs as the anonymous role, which alone may resolve keys.
REVOKE ALL ON FUNCTION clarky.use_api_key(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION clarky.use_api_key(text) TO clarky_anon;

COMMENT ON FUNCTION clarky.current_workspace() IS
'The workspace of the current call: the setting clarky.workspace_id; where it is empty, the only workspace of clarky.allowed_workspaces, or ''default'' in a session not confined. A workspace outside clarky.allowed_workspaces is refused with SQLSTATE CK403';

------------------------------------------------------------------------------
-- The HTTP path
------------------------------------------------------------------------------

-- SECURITY INVOKER: it switches role (set_config('role')), which a
-- SECURITY DEFINER function may not do.  The workspace is bound by the C
-- functions above (clearing it is anybody's right).  A token's claims are believed only
-- when the connection's login role may bind workspaces: request.jwt.claims
-- is a setting any session can give itself, and only PostgREST, logged in
-- as its authenticator, has verified the token it came from.
CREATE OR REPLACE FUNCTION clarky_api.pre_request() RETURNS void
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
	claims jsonb := nullif(current_setting('request.jwt.claims', true), '')::jsonb;
	headers jsonb := nullif(current_setting('request.headers', true), '')::jsonb;
	api_key text := headers ->> 'x-api-key';
	token_workspace text := claims ->> 'workspace_id';
	key_scope text;
BEGIN
	-- Nothing carries over from an earlier request on this connection.
	PERFORM clarky.use_workspace('', true),
			set_config('clarky.scope', '', true),
			set_config('clarky.auth_error', '', true);

	-- A PostgREST JWT, verified by PostgREST: the role says the scope, the
	-- claim workspace_id the workspace.
	IF claims ->> 'role' IN ('clarky_reader', 'clarky_writer') THEN
		IF coalesce(token_workspace, '') = '' THEN
			PERFORM set_config('clarky.auth_error', 'the token has no workspace_id claim', true);
		ELSIF NOT clarky.may_use_workspace(token_workspace) THEN
			PERFORM set_config('clarky.auth_error', 'tokens are not accepted by this server', true);
		ELSE
			PERFORM clarky.use_workspace(token_workspace, true),
					set_config('clarky.scope',
							   CASE claims ->> 'role' WHEN 'clarky_writer' THEN 'write' ELSE 'read' END,
							   true);
		END IF;
		RETURN;
	END IF;

	-- Otherwise a Clarky API key, in X-Api-Key.  Failures are reported by
	-- the API function, as Clarky's envelope with status 401.
	IF api_key IS NULL OR api_key = '' THEN
		PERFORM set_config('clarky.auth_error', 'missing API key', true);
		RETURN;
	END IF;
	IF api_key !~ '^ck_live_[0-9a-z]{30,31}$' THEN
		PERFORM set_config('clarky.auth_error', 'malformed API key', true);
		RETURN;
	END IF;
	key_scope := clarky.use_api_key(api_key);
	IF key_scope IS NULL THEN
		PERFORM set_config('clarky.auth_error', 'unknown or revoked API key', true);
		RETURN;
	END IF;

	PERFORM set_config('clarky.scope', key_scope, true),
			set_config('role', CASE key_scope WHEN 'write' THEN 'clarky_writer' ELSE 'clarky_reader' END, true);
END
$function$;

COMMENT ON FUNCTION clarky_api.pre_request() IS
'PostgREST''s db-pre-request: identifies the caller by its API key (X-Api-Key) or JWT, binds its workspace (clarky.use_api_key, clarky.use_workspace) and scope transaction-locally and switches to the reader or writer role; an unidentified caller is answered 401 by the API function';

-- Tell a running PostgREST to reload its schema cache.
NOTIFY pgrst, 'reload schema';
