#!/usr/bin/env bash
# test/stress/sqlsmith.sh [PORT]: random SQL (sqlsmith) and edge-case
# arguments against a database with the extension; the server must never
# crash.
#
# The database holds the dump check's data (test/stress/sql/populate.sql).
# sqlsmith (Debian package) connects as a login role granted clarky_reader
# and clarky_writer and runs a bounded number of random queries
# (STRESS_SQLSMITH_QUERIES, 10,000; 120 s at most).  Then
# test/stress/sql/argfuzz.sql calls every API function with every
# combination of edge-case arguments, as the same role.  Passing: the
# postmaster stays up with no backend ever killed by a signal, no assertion
# failure (TRAP) or PANIC in the log, no internal error (XX000) from the
# extension's functions, and every answer valid JSON of the right shape.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-$((STRESS_PORT_BASE + 5))}
QUERIES=${STRESS_SQLSMITH_QUERIES:-10000}
SEED=${STRESS_SQLSMITH_SEED:-20261126}
TIME_LIMIT=${STRESS_SQLSMITH_SECONDS:-120}
stress_workdir sqlsmith
DIR=$WORK/cluster
DB=fuzz

if ! command -v sqlsmith >/dev/null; then
	install_packages sqlsmith
fi

stress_cluster "$DIR" "$PORT"
PSQL=(pg -h "$DIR" -p "$PORT" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
"${PSQL[@]}" -d "$DB" -c "SET client_min_messages = warning" -c "CREATE EXTENSION clarky_activity"
"${PSQL[@]}" -d "$DB" -f "$STRESS_DIR/sql/populate.sql" >/dev/null
"${PSQL[@]}" -d "$DB" <<'SQL'
SET client_min_messages = warning;
DROP TABLE stress_keys_saved.keys;
DROP SCHEMA stress_keys_saved;
CREATE ROLE fuzz LOGIN;
GRANT clarky_reader, clarky_writer TO fuzz;
SQL
PM=$(postmaster_pid "$DIR")

# ---- sqlsmith ---------------------------------------------------------------
t0=$(now_s)
status=0
timeout --foreground -s INT -k 10 "$TIME_LIMIT" sqlsmith \
	--target="host=$DIR port=$PORT dbname=$DB user=fuzz" \
	--seed="$SEED" --max-queries="$QUERIES" --verbose --dump-all-queries \
	>"$WORK/sqlsmith.queries" 2>"$WORK/sqlsmith.err" || status=$?
smith_seconds=$(elapsed "$t0")
sent=$(grep 'queries: ' "$WORK/sqlsmith.err" | tail -n 1 | sed 's/.*queries: \([0-9]*\).*/\1/')
[ -n "$sent" ] || sent=$(grep -c ';$' "$WORK/sqlsmith.queries" || true)
error_rate=$(grep 'error rate: ' "$WORK/sqlsmith.err" | tail -n 1 | sed 's/.*error rate: //')
ext_queries=$(awk 'BEGIN { RS = ";\n" } /clarky/ { n++ } END { print n + 0 }' "$WORK/sqlsmith.queries")
ext_calls=$(grep -o 'clarky[a-z_]*\.[a-z_]*(' "$WORK/sqlsmith.queries" | sort | uniq -c | sort -rn |
	awk '{ sub(/\($/, "", $2); printf "%s%s %s", sep, $2, $1; sep = ", " }')
diag "sqlsmith: $sent queries in $smith_seconds s (exit status $status; 124 or 130 is the time limit), error rate ${error_rate:-?}"
diag "queries naming the extension's objects: $ext_queries; function calls: ${ext_calls:-none}"
ok_if "sqlsmith ran $sent random queries as a clarky_reader+clarky_writer role (seed $SEED)" \
	test "${sent:-0}" -gt 0 -a "$status" -ne 1
[ "$status" -eq 0 ] || [ "$status" -eq 124 ] || diag "$(tail -n 5 "$WORK/sqlsmith.err")"

alive() {
	kill -0 "$PM" 2>/dev/null &&
		[ "$(postmaster_pid "$DIR")" == "$PM" ] &&
		"$PG_BIN/pg_isready" -q -h "$DIR" -p "$PORT"
}
ok_if "the postmaster ($PM) is still up after sqlsmith" alive
problems=$(server_log_problems "$DIR/postgres.log")
is "$problems" "" "no backend terminated by a signal, no assertion failure, PANIC or reinitialisation in the server log"
# a crashed backend makes sqlsmith report a broken connection
broken=$(grep -ci 'broken\|connection.*lost\|server closed' "$WORK/sqlsmith.err" || true)
is "$broken" 0 "sqlsmith never lost its connection"

# ---- edge-case arguments ------------------------------------------------------
t0=$(now_s)
fuzz_status=0
timeout --foreground 300 "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p "$PORT" -U fuzz -d "$DB" \
	-f "$STRESS_DIR/sql/argfuzz.sql" \
	-c "SELECT format('%s|%s|%s', kind, outcome, n) FROM pg_temp.fuzz ORDER BY kind, n DESC" \
	-c "SELECT format('BADCALL|%s|%s|%s', kind, outcome, call) FROM pg_temp.fuzz_bad" \
	>"$WORK/argfuzz.out" 2>&1 || fuzz_status=$?
fuzz_seconds=$(elapsed "$t0")
calls=$(awk -F'|' '$1 != "BADCALL" && NF == 3 { s += $3 } END { print s + 0 }' "$WORK/argfuzz.out")
ok_if "edge-case arguments: $calls calls of the 6 API functions ran to the end" \
	test "$fuzz_status" -eq 0 -a "$calls" -gt 0
[ "$fuzz_status" -eq 0 ] || diag "$(tail -n 10 "$WORK/argfuzz.out")"
diag "outcomes (call|outcome|count):"
diag "$(grep -v '^BADCALL' "$WORK/argfuzz.out")"
internal=$(awk -F'|' '$1 != "BADCALL" && ($2 ~ /^XX/ || $2 ~ /^58/) { s += $3 } END { print s + 0 }' "$WORK/argfuzz.out")
bad=$(awk -F'|' '$1 != "BADCALL" && $2 ~ /^BAD/ { s += $3 } END { print s + 0 }' "$WORK/argfuzz.out")
is "$internal" 0 "no edge-case argument raises an internal error (XX000) or a system error"
is "$bad" 0 "every answer is valid JSON of its documented shape: data (and a page no longer than page_size) or an error envelope"
if grep -q '^BADCALL' "$WORK/argfuzz.out"; then
	diag "$(grep '^BADCALL' "$WORK/argfuzz.out" | head -n 10)"
fi
ok_if "the postmaster is still up after the edge-case arguments" alive
problems=$(server_log_problems "$DIR/postgres.log")
is "$problems" "" "still no crash, assertion failure or PANIC in the server log"

figure sqlsmith.queries "$sent"
figure sqlsmith.seconds "$smith_seconds"
figure sqlsmith.error_rate "${error_rate:-?}"
figure sqlsmith.queries_naming_extension "$ext_queries"
figure sqlsmith.extension_calls "\"${ext_calls:-none}\""
figure argfuzz.calls "$calls"
figure argfuzz.seconds "$fuzz_seconds"
tap_done sqlsmith
