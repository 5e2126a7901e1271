#!/usr/bin/env bash
# scripts/setup.sh: set everything up on a fresh Debian 12 machine and run
# the seed's examples.
#
# Installs the packages and PostgREST, builds and installs the extension,
# starts a private PostgreSQL 15 cluster, creates the database clarky_demo
# with the extension, and runs the seed's examples through SQL, printing each
# call and its result. Then serves the HTTP API on loopback (PostgREST behind
# nginx) for the workspace ws_demo, and runs the seed's curl examples against
# it. Everything is left running; "scripts/setup.sh stop" stops it all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "$@"

DIR=${CLARKY_DIR:-/var/tmp/clarky_activity}
PORT=${CLARKY_PORT:-25420}	# PostgreSQL; PostgREST on PORT+1, nginx on PORT+2
PGRST_PORT=$((PORT + 1))
HTTP_PORT=$((PORT + 2))
API=http://127.0.0.1:$HTTP_PORT

if [ "${1:-}" = stop ]; then
	stop_http "$DIR"
	stop_cluster "$DIR"
	exit 0
fi

install_packages
install_postgrest
install_openapi_tools
build_install
start_cluster "$DIR" "$PORT"
# PostgREST holds connections to clarky_demo, which is about to be recreated
stop_http "$DIR"

log "creating the database clarky_demo with the extension"
run_psql -d postgres -c "DROP DATABASE IF EXISTS clarky_demo" -c "CREATE DATABASE clarky_demo"
run_psql -d clarky_demo -c "CREATE EXTENSION clarky_activity"

# sql_example TITLE SQL: print the call, run it, print its result
sql_example() {
	printf '\n### %s\n\n%s\n\n' "$1" "$2"
	run_psql -d clarky_demo -At -c "$2" | python3 -m json.tool --indent 2
}

log "the seed's examples, through SQL"
sql_example "Log a note" \
"SELECT clarky.log_activity('{
    \"activity_type\": \"note\",
    \"contact_id\": \"c_01HXYZ\",
    \"title\": \"Follow-up needed\",
    \"description\": \"Customer asked about migration help next quarter.\"
  }');"

sql_example "Schedule a task" \
"SELECT clarky.log_activity('{
    \"activity_type\": \"task\",
    \"contact_id\": \"c_01HXYZ\",
    \"title\": \"Send follow-up proposal\",
    \"due_date\": \"2026-05-06T17:00:00.000Z\"
  }');"

sql_example "Log the call that the next example lists" \
"SELECT clarky.log_activity('{
    \"activity_type\": \"call\",
    \"contact_id\": \"c_01HXYZ\",
    \"title\": \"Discovery call\",
    \"description\": \"Walked through the platform, customer is interested in the Pro plan.\",
    \"duration_minutes\": 32,
    \"completed_at\": \"2026-04-29T15:30:00.000Z\",
    \"occurred_at\": \"2026-04-29T15:00:00Z\",
    \"metadata\": {\"outcome\": \"qualified\"}
  }');"

sql_example "List a contact's calls" \
"SELECT clarky.contact_activities('c_01HXYZ', activity_type => 'call');"

log "API keys for the workspace ws_demo"
WRITE_KEY=$(run_psql -d clarky_demo -At \
	-c "SELECT clarky.create_api_key('ws_demo', ARRAY['read','write'], 'demo key')")
READ_KEY=$(run_psql -d clarky_demo -At \
	-c "SELECT clarky.create_api_key('ws_demo', ARRAY['read'], 'demo read-only key')")
printf 'read and write: %s\nread only:      %s\n' "$WRITE_KEY" "$READ_KEY"

start_http "$DIR" clarky_demo "$PORT" "$PGRST_PORT" "$HTTP_PORT"

# http_example TITLE COMMAND: print the curl command, run it, print the
# status line and the body as indented JSON
http_example() {
	local headers body
	headers=$(mktemp) body=$(mktemp)
	printf '\n### %s\n\n%s\n\n' "$1" "$2"
	eval "$2 --silent --show-error --max-time 30 --dump-header $headers --output $body"
	head -n 1 "$headers" | tr -d '\r'
	python3 -m json.tool --indent 2 "$body"
	rm -f "$headers" "$body"
}

log "the seed's examples, over HTTP (nginx on 127.0.0.1:$HTTP_PORT)"
http_example "Log a note" \
"curl $API/api/v1/activities \\
  -H \"Authorization: Bearer $WRITE_KEY\" \\
  -H \"Content-Type: application/json\" \\
  -d '{
    \"activity_type\": \"note\",
    \"contact_id\": \"c_01HXYZ\",
    \"title\": \"Follow-up needed\",
    \"description\": \"Customer asked about migration help next quarter.\"
  }'"

http_example "Schedule a task" \
"curl $API/api/v1/activities \\
  -H \"Authorization: Bearer $WRITE_KEY\" \\
  -H \"Content-Type: application/json\" \\
  -d '{
    \"activity_type\": \"task\",
    \"contact_id\": \"c_01HXYZ\",
    \"title\": \"Send follow-up proposal\",
    \"due_date\": \"2026-05-06T17:00:00.000Z\"
  }'"

http_example "Log the call that the next example lists" \
"curl $API/api/v1/activities \\
  -H \"Authorization: Bearer $WRITE_KEY\" \\
  -H \"Content-Type: application/json\" \\
  -d '{
    \"activity_type\": \"call\",
    \"contact_id\": \"c_01HXYZ\",
    \"title\": \"Discovery call\",
    \"description\": \"Walked through the platform, customer is interested in the Pro plan.\",
    \"duration_minutes\": 32,
    \"completed_at\": \"2026-04-29T15:30:00.000Z\",
    \"occurred_at\": \"2026-04-29T15:00:00Z\",
    \"metadata\": {\"outcome\": \"qualified\"}
  }'"

http_example "List a contact's calls" \
"curl \"$API/api/v1/contacts/c_01HXYZ/activities?activity_type=call\" \\
  -H \"Authorization: Bearer $WRITE_KEY\""

http_example "A read-only key may not log an activity (403)" \
"curl $API/api/v1/activities \\
  -H \"Authorization: Bearer $READ_KEY\" \\
  -H \"Content-Type: application/json\" \\
  -d '{\"activity_type\": \"note\", \"contact_id\": \"c_01HXYZ\", \"title\": \"Not allowed\"}'"

cat <<MSG

Everything keeps running:
  PostgreSQL  psql -h $DIR -p $PORT -U postgres clarky_demo
  PostgREST   http://127.0.0.1:$PGRST_PORT/  (log: $DIR/http/postgrest.log)
  nginx       $API/api/v1/  (the API; logs: $DIR/http/nginx/)
  the API's OpenAPI document  $API/api/v1/openapi.json
  its reference page          $API/api/v1/docs
API keys of the workspace ws_demo (send them as "Authorization: Bearer <key>"):
  read and write  $WRITE_KEY
  read only       $READ_KEY
Stop it all with:
  scripts/setup.sh stop
MSG
