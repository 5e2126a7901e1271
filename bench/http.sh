#!/usr/bin/env bash
# bench/http.sh DIR DB PG_PORT PGRST_PORT CONTACTS ROUNDS SECS RESULTS: the
# HTTP case of bench/run.sh (which runs it; not meant to be run alone).
#
# wrk against a PostgREST of its own, configured as deploy/postgrest.conf.in
# (same pool, pre-request, roles, API key), but serving two schemas:
# clarky_api (the default profile, so the timeline is requested exactly as in
# production: GET /rpc/contact_activities?contact_id=...) and bench_http,
# which holds a constant-returning function with the same parameters that
# returns a captured page 1 of a typical contact: the same bytes as a real
# answer, with none of the work.  The two are alternated in ROUNDS rounds of
# SECS seconds, 2 wrk threads and 2 connections; results go to
# RESULTS/http.tsv and a description to RESULTS/http.txt.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../scripts/lib.sh"
set -euo pipefail

DIR=$1 DB=$2 PG_PORT=$3 PGRST_PORT=$4 CONTACTS=$5 ROUNDS=$6 SECS=$7 RESULTS=$8
BENCH=$REPO_DIR/bench
export PGHOST=$DIR PGPORT=$PG_PORT PGUSER=postgres

install_packages wrk
install_postgrest
create_authenticator "$DB" >/dev/null

log "HTTP case: a constant-returning function beside the API ($DB)"
run_psql -d "$DB" -q <<'SQL'
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS bench_http;
COMMENT ON SCHEMA bench_http IS 'bench/http.sh: the constant-returning function the HTTP timeline is compared with';
SQL
page=$(run_psql -d "$DB" -Atc "SELECT clarky.contact_activities('c_42')")
run_psql -d "$DB" -q -v page="$page" <<'SQL'
SET client_min_messages = warning;
SELECT format($f$CREATE OR REPLACE FUNCTION bench_http.constant(
	contact_id text DEFAULT NULL, activity_type text DEFAULT NULL,
	page text DEFAULT NULL, page_size text DEFAULT NULL) RETURNS json
LANGUAGE sql STABLE
AS %L$f$, 'SELECT ' || quote_literal(:'page') || '::json') \gexec
GRANT USAGE ON SCHEMA bench_http TO clarky_anon, clarky_reader, clarky_writer;
GRANT EXECUTE ON FUNCTION bench_http.constant(text, text, text, text) TO clarky_anon, clarky_reader, clarky_writer;
SQL

# a read key of the workspace 'default', made once per data set
http=$(http_dir "$DIR")
keyfile=$http/bench-$DB.key
if [ ! -s "$keyfile" ] || [ "$(run_psql -d "$DB" -Atc "SELECT count(*) FROM clarky.resolve_api_key('$(<"$keyfile")')")" != 1 ]; then
	(umask 077 && run_psql -d "$DB" -Atc "SELECT clarky.create_api_key('default', ARRAY['read'], 'bench/http.sh')" >"$keyfile")
fi
export BENCH_API_KEY
BENCH_API_KEY=$(<"$keyfile")

conf=$http/bench-postgrest.conf
pidfile=$http/bench-postgrest.pid
logfile=$http/bench-postgrest.log
stop_pidfile "$pidfile" "$conf"
trap 'stop_pidfile "$pidfile" "$conf"' EXIT
port_free "$PGRST_PORT" PostgREST
(umask 077 && render_template "$DEPLOY_DIR/postgrest.conf.in" "$conf" \
	PG_PORT="$PG_PORT" DATABASE="$DB" PGRST_PORT="$PGRST_PORT" JWT_SECRET="$(<"$(jwt_secret_file "$DIR")")")
sed -i 's/^db-schemas = .*/db-schemas = "clarky_api, bench_http"/' "$conf"
grep -q '^db-schemas = "clarky_api, bench_http"$' "$conf"
chown postgres "$conf"
: >"$logfile"
chown postgres "$logfile"
log "starting PostgREST $POSTGREST_VERSION on 127.0.0.1:$PGRST_PORT (log: $logfile)"
setsid --fork sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$pidfile" \
	setpriv --reuid=postgres --regid=postgres --init-groups -- \
	"$POSTGREST_BIN" "$conf" </dev/null >>"$logfile" 2>&1
wait_http PostgREST "http://127.0.0.1:$PGRST_PORT/" "$logfile" "$pidfile" "$conf"

base=http://127.0.0.1:$PGRST_PORT
# both answer 200 with a page of the same shape
for probe in "/rpc/contact_activities?contact_id=c_42|" "/rpc/constant?contact_id=c_42|bench_http"; do
	path=${probe%|*} profile=${probe#*|}
	code=$(curl -s -o "$RESULTS/raw/http-probe.json" -w '%{http_code}' -H "X-Api-Key: $BENCH_API_KEY" \
		${profile:+-H "Accept-Profile: $profile"} "$base$path")
	if [ "$code" != 200 ]; then
		echo "error: GET $path answered $code:" >&2
		head -c 500 "$RESULTS/raw/http-probe.json" >&2
		exit 1
	fi
done

{
	echo "wrk (2 threads, 2 connections, ${SECS} s a round, ${ROUNDS} rounds alternated) against PostgREST $POSTGREST_VERSION"
	echo "configured as deploy/postgrest.conf.in (db-pool 4, the pre-request resolving an API key of the"
	echo "read scope, row-level security in force), serving clarky_api and a bench schema. **timeline**:"
	echo "\`GET /rpc/contact_activities?contact_id=c_<random>\` (the extension's clarky_api function, page 1"
	echo "of a random typical contact). **constant**: \`GET /rpc/constant?contact_id=c_<random>\` with"
	echo "\`Accept-Profile: bench_http\`, a SQL function with the same parameters returning a captured"
	echo "page 1 ($(printf '%s' "$page" | wc -c) bytes): the same request and answer, with no work in the database."
	echo "No nginx in front: wrk talks to PostgREST directly."
} >"$RESULTS/http.txt"

printf 'case\tside\tround\trps\tlatency_ms\n' >"$RESULTS/http.tsv"
run_wrk() {
	local side=$1 round=$2 path=$3 profile=$4 secs=${5:-$SECS} out
	out=$RESULTS/raw/http-$side-$round.out
	BENCH_PATH=$path BENCH_PROFILE=$profile BENCH_CONTACTS=$CONTACTS \
		wrk -t 2 -c 2 -d "${secs}s" -s "$BENCH/http/wrk.lua" "$base" >"$out" 2>&1
	local line
	line=$(grep '^RESULT ' "$out") || { cat "$out" >&2; return 1; }
	if ! [[ $line =~ non2xx=0\ errors=0$ ]]; then
		echo "error: wrk saw errors: $line" >&2
		return 1
	fi
	awk -v side="$side" -v round="$round" '{
		for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		printf "http\t%s\t%d\t%.1f\t%.3f\n", side, round, v["requests"] / (v["duration_us"] / 1e6), v["mean_us"] / 1000
	}' <<<"$line" >>"$RESULTS/http.tsv"
	tail -n 1 "$RESULTS/http.tsv" | awk -F'\t' -v r="$ROUNDS" '{ printf "  http %-9s round %d/%d  %10.1f req/s  %8.3f ms\n", $2, $3, r, $4, $5 }' >&2
}

# warm-up, then the rounds, alternated
run_wrk warm 0 /rpc/contact_activities "" 2 2>/dev/null
run_wrk warm 0 /rpc/constant bench_http 2 2>/dev/null
sed -i '/^http\twarm/d' "$RESULTS/http.tsv"
for ((round = 1; round <= ROUNDS; round++)); do
	if ((round % 2)); then
		run_wrk timeline "$round" /rpc/contact_activities ""
		run_wrk constant "$round" /rpc/constant bench_http
	else
		run_wrk constant "$round" /rpc/constant bench_http
		run_wrk timeline "$round" /rpc/contact_activities ""
	fi
done
