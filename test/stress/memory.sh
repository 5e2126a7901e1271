#!/usr/bin/env bash
# test/stress/memory.sh [PORT]: 100,000 calls of each function in one
# backend; its memory must not grow with the number of calls.
#
# One psql session (one backend) makes, in DO blocks that commit every 1,000
# calls, 100,000 calls of each of:
#   clarky.log_activity          (writes 100,000 rows on 200 contacts, 50 companies)
#   clarky.contact_activities    (pages 1-16 of 25, some filtered by type:
#                                 first pages, deep pages from both ends)
#   clarky.company_activities    (likewise)
#   clarky_api.log_activity      (as PostgREST calls it: role clarky_anon,
#   clarky_api.contact_activities request.headers with x-api-key, then
#                                 clarky_api.pre_request(), then the function)
#   clarky_api errors            (422 envelopes: a bad payload, a bad page_size;
#                                 their subtransactions rolled back)
# after a warm-up of 2,000 calls of each.  Before and after each batch it
# reads the backend's memory: sum(total_bytes) of pg_backend_memory_contexts,
# and RssAnon, VmRSS and VmHWM from /proc/self/status; the backend's
# RssAnon (its private memory: VmRSS also counts the shared buffers it
# touched) is sampled every 0.1 s from outside too.  The contexts may grow by
# less than 1 MB per batch (STRESS_MEMORY_LIMIT_KB), and RssAnon may peak less
# than 64 MB above its level at the batch's start (STRESS_MEMORY_PEAK_LIMIT_KB),
# which would show memory piling up within a call or a transaction.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PORT=${1:-$((STRESS_PORT_BASE + 4))}
CALLS=${STRESS_MEMORY_CALLS:-100000}
WARMUP=${STRESS_MEMORY_WARMUP:-2000}
LIMIT_KB=${STRESS_MEMORY_LIMIT_KB:-1024}
PEAK_LIMIT_KB=${STRESS_MEMORY_PEAK_LIMIT_KB:-65536}
stress_workdir memory
DIR=$WORK/cluster
DB=memory

stress_cluster "$DIR" "$PORT"
PSQL=(pg -h "$DIR" -p "$PORT" -U postgres)
"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB"
"${PSQL[@]}" -d "$DB" -c "SET client_min_messages = warning" -c "CREATE EXTENSION clarky_activity"
KEY=$("${PSQL[@]}" -d "$DB" -c "SELECT clarky.create_api_key('ws_mem', ARRAY['read', 'write'], 'memory check')")

# batch NAME N BODY: a DO block calling BODY (PL/pgSQL, with i the call
# number) N times, committing every 1,000 calls
batch() {
	cat <<SQL
DO \$do\$
DECLARE
	key constant text := '$KEY';
	answer json;
BEGIN
	FOR i IN 1 .. $2 LOOP
		$3
		IF i % 1000 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
END
\$do\$;
SQL
}

# as PostgREST does before each call: anonymous role, request settings,
# pre-request (which switches to the key's role); and back after it
HTTP_BEFORE="PERFORM set_config('role', 'clarky_anon', true),
			set_config('search_path', '\"clarky_api\", \"public\"', true),
			set_config('request.jwt.claims', '{\"role\": \"clarky_anon\"}', true),
			set_config('request.method', CASE WHEN i % 2 = 0 THEN 'GET' ELSE 'POST' END, true),
			set_config('request.headers', json_build_object('x-api-key', key)::text, true);
		PERFORM clarky_api.pre_request();"
HTTP_AFTER="PERFORM set_config('role', 'none', true);"

LOG_BODY="answer := clarky.log_activity(jsonb_build_object(
			'activity_type', (enum_range(NULL::clarky.activity_type))[1 + i % 7],
			'contact_id', 'c_' || (i % 200),
			'company_id', CASE WHEN i % 2 = 0 THEN 'co_' || (i % 50) END,
			'title', 'memory ' || i,
			'description', repeat('text ', i % 50),
			'metadata', jsonb_build_object('i', i)));"
CONTACT_BODY="answer := clarky.contact_activities('c_' || (i % 200),
			CASE WHEN i % 3 = 0 THEN (enum_range(NULL::clarky.activity_type))[1 + i % 7] END,
			1 + i % 16, 25);"
COMPANY_BODY="answer := clarky.company_activities('co_' || (i % 50),
			CASE WHEN i % 3 = 0 THEN (enum_range(NULL::clarky.activity_type))[1 + i % 7] END,
			1 + i % 16, 25);"
API_LOG_BODY="$HTTP_BEFORE
		answer := clarky_api.log_activity(jsonb_build_object(
			'activity_type', (enum_range(NULL::clarky.activity_type))[1 + i % 7],
			'contact_id', 'c_' || (i % 200), 'title', 'api ' || i));
		$HTTP_AFTER"
API_CONTACT_BODY="$HTTP_BEFORE
		answer := clarky_api.contact_activities('c_' || (i % 200),
			CASE WHEN i % 3 = 0 THEN (enum_range(NULL::clarky.activity_type))[1 + i % 7]::text END,
			(1 + i % 16)::text, '25');
		$HTTP_AFTER"
API_ERROR_BODY="$HTTP_BEFORE
		IF i % 2 = 0 THEN
			answer := clarky_api.log_activity(jsonb_build_object('activity_type', 'phone', 'contact_id', 'c_1'));
		ELSE
			answer := clarky_api.contact_activities('c_1', NULL, '1', 'many');
		END IF;
		$HTTP_AFTER"

NAMES=(log_activity contact_activities company_activities api_log_activity api_contact_activities api_errors)
BODIES=("$LOG_BODY" "$CONTACT_BODY" "$COMPANY_BODY" "$API_LOG_BODY" "$API_CONTACT_BODY" "$API_ERROR_BODY")

{
	cat <<'SQL'
CREATE FUNCTION pg_temp.mem() RETURNS text LANGUAGE sql AS $$
	SELECT format('%s %s %s %s %s',
		extract(epoch FROM clock_timestamp()),
		(SELECT sum(total_bytes) FROM pg_backend_memory_contexts),
		(regexp_match(s, 'RssAnon:\s+(\d+) kB'))[1],
		(regexp_match(s, 'VmRSS:\s+(\d+) kB'))[1],
		(regexp_match(s, 'VmHWM:\s+(\d+) kB'))[1])
	FROM pg_read_file('/proc/self/status') AS s
$$;
SELECT 'pid ' || pg_backend_pid();
SQL
	for i in "${!NAMES[@]}"; do
		batch "${NAMES[i]}" "$WARMUP" "${BODIES[i]}"
	done
	echo "SELECT 'warm ' || pg_temp.mem();"
	for i in "${!NAMES[@]}"; do
		echo "SELECT 'before ${NAMES[i]} ' || pg_temp.mem();"
		batch "${NAMES[i]}" "$CALLS" "${BODIES[i]}"
		echo "SELECT 'after ${NAMES[i]} ' || pg_temp.mem();"
	done
	echo "SELECT 'rows ' || count(*) FROM clarky.activities;"
	echo "SELECT 'statuses ' || count(*) FROM clarky.activities WHERE workspace_id = 'ws_mem';"
} >"$WORK/memory.sql"

# sample_rss PID: "EPOCH RssAnon_kB" every 0.1 s while PID lives
sample_rss() {
	local k v rest
	while [ -e "/proc/$1/status" ]; do
		while read -r k v rest; do
			if [ "$k" == RssAnon: ]; then
				echo "$EPOCHREALTIME $v"
				break
			fi
		done <"/proc/$1/status" 2>/dev/null || true
		sleep 0.1
	done
}

t0=$(now_s)
status=0
PGAPPNAME=stress_memory timeout --foreground 500 "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
	-h "$DIR" -p "$PORT" -U postgres -d "$DB" -f "$WORK/memory.sql" >"$WORK/memory.out" 2>&1 &
client=$!
on_exit "kill $client"
backend_pid() {
	BACKEND=$("${PSQL[@]}" -d "$DB" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'stress_memory'")
	[ -n "$BACKEND" ]
}
wait_for 30 backend_pid || true
sample_rss "${BACKEND:-0}" >"$WORK/rss.samples" &
sampler=$!
on_exit "kill $sampler"
wait "$client" || status=$?
total_seconds=$(elapsed "$t0")
ok_if "one backend ($BACKEND) made $CALLS calls of each of ${#NAMES[@]} kinds after a warm-up of $WARMUP, without error" \
	test "$status" -eq 0
[ "$status" -eq 0 ] || diag "$(tail -n 20 "$WORK/memory.out")"
diag "RssAnon sampled $(wc -l <"$WORK/rss.samples") times, every 0.1 s"

# peak_rss FROM TO: the highest RssAnon sampled between two epochs
peak_rss() {
	awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b && $2 > m { m = $2 } END { print m + 0 }' "$WORK/rss.samples"
}

diag "$(printf '%-24s %7s %8s %12s %12s %14s' call seconds calls/s 'contexts kB' 'RssAnon kB' 'peak RssAnon')"
for name in "${NAMES[@]}"; do
	read -r _ _ t1 c1 a1 r1 h1 < <(grep "^before $name " "$WORK/memory.out" || echo "x x 0 0 0 0 0")
	read -r _ _ t2 c2 a2 r2 h2 < <(grep "^after $name " "$WORK/memory.out" || echo "x x 0 0 0 0 0")
	secs=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')
	rate=$(awk -v a="$t1" -v b="$t2" -v n="$CALLS" 'BEGIN { printf "%.0f", (b > a) ? n / (b - a) : 0 }')
	ctx_kb=$(((c2 - c1) / 1024))
	peak=$(peak_rss "$t1" "$t2")
	peak_growth=$((peak > a1 ? peak - a1 : 0))
	diag "$(printf '%-24s %7s %8s %+12d %+12d %+14d' "$name" "$secs" "$rate" "$ctx_kb" "$((a2 - a1))" "$peak_growth")"
	ok_if "$name: memory contexts grew by $ctx_kb kB over $CALLS calls (< $LIMIT_KB kB); RssAnon peaked $peak_growth kB above its start (< $PEAK_LIMIT_KB kB)" \
		test "$c2" -gt 0 -a "$ctx_kb" -lt "$LIMIT_KB" -a "$peak_growth" -lt "$PEAK_LIMIT_KB"
	figure "memory.$name.seconds" "$secs"
	figure "memory.$name.calls_per_second" "$rate"
	figure "memory.$name.contexts_growth_kb" "$ctx_kb"
	figure "memory.$name.rss_anon_growth_kb" "$((a2 - a1))"
	figure "memory.$name.rss_anon_peak_growth_kb" "$peak_growth"
	figure "memory.$name.vmrss_growth_kb" "$((r2 - r1))"
done
read -r _ _ cw aw rw hw < <(grep '^warm ' "$WORK/memory.out" || echo "x 0 0 0 0 0")
read -r _ _ _ ce ae re he < <(grep "^after ${NAMES[-1]} " "$WORK/memory.out" || echo "x x 0 0 0 0 0")
diag "after warm-up: contexts $((cw / 1024)) kB, RssAnon $aw kB, VmRSS $rw kB, VmHWM $hw kB"
diag "at the end:    contexts $((ce / 1024)) kB, RssAnon $ae kB, VmRSS $re kB, VmHWM $he kB (VmRSS includes the shared buffers touched)"
rows=$(sed -n 's/^rows //p' "$WORK/memory.out")
expected_rows=$(((WARMUP + CALLS) * 2))
is "$rows" "$expected_rows" "every logged call wrote its row, and no failed call did ($rows rows)"

problems=$(server_log_problems "$DIR/postgres.log")
is "$problems" "" "the server log shows no crash, assertion or leak warning"

figure memory.calls_per_function "$CALLS"
figure memory.contexts_after_warmup_kb "$((cw / 1024))"
figure memory.contexts_at_end_kb "$((ce / 1024))"
figure memory.rss_anon_after_warmup_kb "$aw"
figure memory.rss_anon_at_end_kb "$ae"
figure memory.vmrss_after_warmup_kb "$rw"
figure memory.vmrss_at_end_kb "$re"
figure memory.total_seconds "$total_seconds"
tap_done memory
