#!/usr/bin/env bash
# scripts/test.sh: the whole test suite, from a fresh Debian 12 machine.
#
# Installs what is missing, builds and installs the extension (warnings are
# errors), runs the unit tests of the server-independent C code under ASan
# and UBSan, checks the release files (test/release/check_release.py), the
# docs (test/docs/check_docs.py) and the C sources' layout
# (scripts/pgindent.py), starts a throw-away PostgreSQL 15 cluster on a
# private port, runs every pgTAP file in test/pgtap with pg_prove (make
# installcheck), on one node and again with the statements planned for
# Citus (clarky.distributed_planning = on), then the HTTP tests in test/http against
# PostgREST and nginx started on the next two ports (test_edge.py, what the
# nginx edge lets through and that every failure is the envelope, then
# test_openapi.py, the OpenAPI document and its page, then test_api.py, every
# response checked against the document), then checks that the
# benchmark harness still runs on a tiny data set (test/bench_smoke.sh), then
# the upgrade from 1.0.0 (test/upgrade/upgrade_test.sh), then who can choose
# a workspace, as login roles (test/tenancy/tenancy_test.sh), then the Debian
# package, built, installed and tested (test/debian/deb_test.sh), and ends
# with "N passed, N failed".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "$@"

PORT=${CLARKY_TEST_PORT:-25430}	# PostgreSQL; PostgREST on PORT+1, nginx on PORT+2
PGRST_PORT=$((PORT + 1))
HTTP_PORT=$((PORT + 2))
WORK=$(mktemp -d /tmp/clarky-test.XXXXXX)
chmod 755 "$WORK"
trap 'stop_http "$WORK"; stop_cluster "$WORK"; rm -rf "$WORK"' EXIT

# The suite's tally, stage by stage
suite_passed=0
suite_failed=0

# add_stage NAME PASSED FAILED: say a stage's tally and add it to the suite's
add_stage() {
	print_tally "$2" "$3" "$1"
	suite_passed=$((suite_passed + $2)) suite_failed=$((suite_failed + $3))
}

# count_tap FILE: show what in FILE is not a passing test, and set tap_passed
# and tap_failed; a run that died before its plan line, or whose plan
# disagrees with the tests run, counts as one failure more
count_tap() {
	local file=$1 plan
	grep -v '^ok' "$file" || true
	tap_passed=$(grep -c '^ok' "$file" || true)
	tap_failed=$(grep -c '^not ok' "$file" || true)
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$file")
	if [ "${plan:-x}" != "$((tap_passed + tap_failed))" ]; then
		echo "$(basename "$file"): the plan (${plan:-none}) does not match the tests run"
		tap_failed=$((tap_failed + 1))
	fi
}

# tap_stage NAME FILE: count FILE's TAP as the stage NAME
tap_stage() {
	count_tap "$2"
	add_stage "$1" "$tap_passed" "$tap_failed"
}

install_packages
install_postgrest
install_openapi_tools
build_install

log "running the C unit tests (ASan, UBSan)"
status=0
make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" unittest >"$WORK/unit.out" 2>&1 || status=$?
grep -v '^ok' "$WORK/unit.out" || true
unit_passed=$(grep -c '^ok' "$WORK/unit.out" || true)
unit_failed=$(grep -c '^not ok' "$WORK/unit.out" || true)
if [ "$status" -ne 0 ] && [ "$unit_failed" -eq 0 ]; then
	unit_failed=1	# it crashed or did not build
fi
add_stage "unit tests" "$unit_passed" "$unit_failed"

log "checking the release files, the docs and the C sources' layout"
"$PYTHON" "$REPO_DIR/test/release/check_release.py" >"$WORK/release.out" 2>&1 || true
tap_stage "release files" "$WORK/release.out"
"$PYTHON" "$REPO_DIR/test/docs/check_docs.py" >"$WORK/docs.out" 2>&1 || true
tap_stage "docs" "$WORK/docs.out"
"$PYTHON" "$REPO_DIR/scripts/pgindent.py" --tap >"$WORK/pgindent.out" 2>&1 || true
tap_stage "pgindent layout" "$WORK/pgindent.out"

start_cluster "$WORK" "$PORT"

# pgtap_stage NAME [VAR=VALUE...]: the pgTAP suite (make installcheck, with
# the make variables given) as the stage NAME
pgtap_stage() {
	local name=$1 total failed
	shift
	PGHOST=$WORK PGPORT=$PORT PGUSER=postgres \
		make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" installcheck "$@" 2>&1 | tee "$WORK/prove.out" || true

	# pg_prove's summary counts files; count the individual tests as well
	total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$WORK/prove.out")
	failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$WORK/prove.out" |
		awk '{ s += $1 } END { print s + 0 }')
	total=${total:-0}
	if ! grep -q '^Result: PASS' "$WORK/prove.out" && [ "$failed" -eq 0 ]; then
		failed=1	# a file died before its plan completed
	fi
	add_stage "$name" "$((total - failed))" "$failed"
}

log "running the pgTAP suite (make installcheck, in a fresh database of the test cluster)"
pgtap_stage "pgTAP"
# again, with the statements shaped and planned for Citus (src/plans.c)
log "running the pgTAP suite again, planned for Citus (clarky.distributed_planning = on)"
PGOPTIONS='-c clarky.distributed_planning=on' \
	pgtap_stage "pgTAP, distributed planning" CLARKY_TEST_DB=clarky_installcheck_distributed

log "running the HTTP tests (nginx on 127.0.0.1:$HTTP_PORT, PostgREST on 127.0.0.1:$PGRST_PORT)"
http_passed=0
http_failed=0
run_psql -d postgres -c "CREATE DATABASE clarky_http"
run_psql -d clarky_http -c "CREATE EXTENSION clarky_activity"
if start_http "$WORK" clarky_http "$PORT" "$PGRST_PORT" "$HTTP_PORT"; then
	# test_api.py last: its last tests stop PostgREST
	for http_test in test_edge test_openapi test_api; do
		CLARKY_HTTP_URL=http://127.0.0.1:$HTTP_PORT \
		CLARKY_POSTGREST_URL=http://127.0.0.1:$PGRST_PORT \
		CLARKY_JWT_SECRET_FILE=$(jwt_secret_file "$WORK") \
		CLARKY_POSTGREST_PIDFILE=$WORK/http/postgrest.pid \
		CLARKY_REDOCLY=$REDOCLY_BIN CLARKY_CHROMIUM=$CHROMIUM_BIN \
		CLARKY_SCREENSHOT=$WORK/api-docs.png \
		CLARKY_PSQL=$PG_BIN/psql PGDATABASE=clarky_http \
			timeout 600 "$PYTHON" "$REPO_DIR/test/http/$http_test.py" >"$WORK/$http_test.out" 2>&1 || true
		count_tap "$WORK/$http_test.out"
		http_passed=$((http_passed + tap_passed)) http_failed=$((http_failed + tap_failed))
	done
else
	http_failed=1	# PostgREST or nginx did not start
fi
if [ "$http_failed" -ne 0 ]; then
	echo "--- the end of the PostgREST log ($WORK/http/postgrest.log)"
	tail -n 20 "$WORK/http/postgrest.log" 2>/dev/null || true
	echo "--- the end of the nginx error log"
	tail -n 20 "$WORK/http/nginx/error.log" 2>/dev/null || true
fi
add_stage "http tests" "$http_passed" "$http_failed"

# the benchmark harness still runs on a tiny data set (never timed)
log "checking that the benchmark harness still runs (bench/run.sh --tiny)"
"$REPO_DIR/test/bench_smoke.sh" >"$WORK/bench.out" 2>&1 || true
tap_stage "bench harness" "$WORK/bench.out"

# ---- the upgrade from 1.0.0 (test/upgrade/upgrade_test.sh) ---------------------
# its own throw-away cluster, PostgREST and nginx on PORT+3, PORT+4, PORT+5
log "running the upgrade tests (test/upgrade, PostgreSQL on 127.0.0.1:$((PORT + 3)))"
CLARKY_UPGRADE_NO_BUILD=1 CLARKY_UPGRADE_PORT=$((PORT + 3)) \
	timeout 900 "$REPO_DIR/test/upgrade/upgrade_test.sh" >"$WORK/upgrade.out" 2>&1 || true
tap_stage "upgrade tests" "$WORK/upgrade.out"
# ---- end of the upgrade tests ---------------------------------------------------

# ---- who can choose a workspace (test/tenancy/tenancy_test.sh) -------------------
# login roles over fresh sessions, on a cluster of its own on PORT+6 (a dump
# restored into another on PORT+7)
log "running the tenancy tests (test/tenancy, PostgreSQL on 127.0.0.1:$((PORT + 6)))"
CLARKY_TENANCY_PORT=$((PORT + 6)) timeout 600 "$REPO_DIR/test/tenancy/tenancy_test.sh" >"$WORK/tenancy.out" 2>&1 || true
tap_stage "tenancy tests" "$WORK/tenancy.out"

# ---- the Debian package (test/debian/deb_test.sh) --------------------------------
# built from a copy of the tree, installed, the pgTAP suite run against it
# on a cluster of its own on PORT+8, then removed and make install again
log "building and testing the Debian package (test/debian, PostgreSQL on 127.0.0.1:$((PORT + 8)))"
CLARKY_DEB_PORT=$((PORT + 8)) timeout 900 "$REPO_DIR/test/debian/deb_test.sh" >"$WORK/deb.out" 2>&1 || true
tap_stage "debian package" "$WORK/deb.out"

echo
print_tally "$suite_passed" "$suite_failed"
[ "$suite_failed" -eq 0 ]
