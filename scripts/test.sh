#!/usr/bin/env bash
# scripts/test.sh: the whole test suite, from a fresh Debian 12 machine.
#
# Installs what is missing, builds and installs the extension, starts a
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
start_cluster "$WORK" "$PORT"

log "creating the test database"
run_psql -d postgres -c "CREATE DATABASE clarky_test"
run_psql -d clarky_test -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION clarky_activity"

log "running the pgTAP suite"
status=0
pg_prove -d clarky_test --ext .sql -r "$REPO_DIR/test/pgtap" 2>&1 | tee "$WORK/prove.out" || status=$?

# pg_prove's summary counts files; count the individual tests as well
total=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$WORK/prove.out")
failed=$(sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' "$WORK/prove.out" |
	awk '{ s += $1 } END { print s + 0 }')
total=${total:-0}
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1	# a file died before its plan completed
fi
echo
echo "$((total - failed)) passed, $failed failed"
exit "$status"
