#!/usr/bin/env bash
# scripts/test.sh: the whole test suite, from a fresh Debian 12 machine.
#
# Installs what is missing, builds and installs the extension, runs the unit
# tests of the server-independent C code under ASan and UBSan, starts a
# throw-away PostgreSQL 15 cluster on a private port, runs every pgTAP file
# in test/pgtap with pg_prove, and ends with "N passed, N failed".
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "$@"

PORT=${CLARKY_TEST_PORT:-54330}
WORK=$(mktemp -d /tmp/clarky-test.XXXXXX)
chmod 755 "$WORK"
trap 'stop_cluster "$WORK"; rm -rf "$WORK"' EXIT

install_packages
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
echo "unit tests: $unit_passed passed, $unit_failed failed"

start_cluster "$WORK" "$PORT"

log "creating the test database"
run_psql -d postgres -c "CREATE DATABASE clarky_test"
run_psql -d clarky_test -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION clarky_activity"

log "running the pgTAP suite"
pg_prove -d clarky_test --ext .sql -r "$REPO_DIR/test/pgtap" 2>&1 | tee "$WORK/prove.out" || true

# pg_prove's summary counts files; count the individual tests as well
total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$WORK/prove.out")
failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$WORK/prove.out" |
	awk '{ s += $1 } END { print s + 0 }')
total=${total:-0}
if ! grep -q '^Result: PASS' "$WORK/prove.out" && [ "$failed" -eq 0 ]; then
	failed=1	# a file died before its plan completed
fi
passed=$((total - failed + unit_passed))
failed=$((failed + unit_failed))
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
