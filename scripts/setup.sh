#!/usr/bin/env bash
# scripts/setup.sh: set everything up on a fresh Debian 12 machine and run
# the seed's examples.
#
# Installs the packages, builds and installs the extension, starts a private
# PostgreSQL 15 cluster (left running; stop it with "scripts/setup.sh stop"),
# creates the database clarky_demo with the extension, and runs the seed's
# examples through SQL, printing each call and its result.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "$@"

DIR=${CLARKY_DIR:-/var/tmp/clarky_activity}
PORT=${CLARKY_PORT:-54320}

if [ "${1:-}" = stop ]; then
	stop_cluster "$DIR"
	exit 0
fi

install_packages python3
build_install
start_cluster "$DIR" "$PORT"

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

cat <<MSG

The cluster keeps running. Connect with:
  psql -h $DIR -p $PORT -U postgres clarky_demo
Stop it with:
  scripts/setup.sh stop
MSG
