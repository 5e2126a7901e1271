#!/usr/bin/env bash
# scripts/stress.sh: the reliability ("stress") checks, from a fresh Debian 12
# machine; about 9 minutes on 2 cores.
#
# Installs what is missing (the test suite's packages and sqlsmith), builds
# and installs the extension, then runs each check of test/stress/ on private
# PostgreSQL 15 clusters of its own (ports STRESS_PORT_BASE to
# STRESS_PORT_BASE+9, by default 25470-25479, under one temporary directory,
# removed at the end):
#
#   crash.sh         kill -9 of the server under a load of logs, updates,
#                    completes, reopens, deletes and restores; acknowledged
#                    writes and changes intact after recovery, versions
#                    consistent, pg_amcheck clean, totals exact
#   concurrency.sh   8 writers (logging and changing) and 2 readers for 30 s:
#                    row counts, unique and per-backend increasing ids, no
#                    lost or doubled change, exact totals of live activities,
#                    consistent pages, no deleted activity on a timeline; then
#                    8 sessions racing with one expected_version: one wins
#   dump_restore.sh  pg_dump/pg_restore into a fresh cluster: rows, functions,
#                    grants, row-level security, API keys
#   memory.sh        100,000 calls of each function in one backend: no growth
#   sqlsmith.sh      random SQL and edge-case arguments: no crash
#   many_writers.sh  40 writers, several activities per transaction, and
#                    backfills sharing activities: no deadlock (the
#                    regression checks of the counts-stripe and backfill
#                    deadlocks fixed in docs/reliability.md, "Findings")
#   failover.sh      a synchronous streaming replica: every read function
#                    works on the hot standby, every write is refused there;
#                    kill -9 of the primary under a load of logs and changes,
#                    promotion of the replica: acknowledged writes and
#                    changes all there, pg_amcheck clean, totals exact,
#                    logging goes on with ids sorting after the old ones
#   tagging.sh       8 writers tagging the same 40 contacts and 12
#                    companies (logs on several contacts and companies,
#                    new sets, primaries, moves, deletes and restores,
#                    memberships with and without backfill) and 2 readers
#                    for 30 s: no deadlock, no lost update, counts, totals
#                    (scope all and direct), links and timelines exact
#
# Each prints "ok N - ..." / "not ok N - ..." lines, numbered in one sequence,
# and figures ("# figure name=value"); the run ends with the figures and
# "N passed, N failed", and exits non-zero on any failure.
#
#   ./scripts/stress.sh                  the eight checks above
#   ./scripts/stress.sh crash memory     some of them
#
# STRESS_KEEP=1 keeps the work directory (clusters, logs, outputs);
# STRESS_NO_BUILD=1 tests the extension as installed, without building it.
# STRESS_FIGURES=FILE also writes the figures to FILE.
# STRESS_PORT_BASE=PORT moves the ten ports to PORT..PORT+9 (default 25470;
# keep them below the ephemeral range 32768-60999), e.g. to run beside
# another run of the checks.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
require_root "$@"

STRESS_DIR=$REPO_DIR/test/stress
ALL_CHECKS=(crash concurrency dump_restore memory sqlsmith many_writers failover tagging)
STRESS_PORT_BASE=${STRESS_PORT_BASE:-25470}
if ! [[ $STRESS_PORT_BASE =~ ^[0-9]+$ ]] || [ "$STRESS_PORT_BASE" -lt 1024 ] ||
	[ "$STRESS_PORT_BASE" -gt 32758 ]; then
	echo "error: STRESS_PORT_BASE=$STRESS_PORT_BASE is not a port from 1024 to 32758" >&2
	exit 2
fi
export STRESS_PORT_BASE
P=$STRESS_PORT_BASE
declare -A PORTS=([crash]=$P [concurrency]=$((P + 1)) [dump_restore]="$((P + 2)) $((P + 3))"
	[memory]=$((P + 4)) [sqlsmith]=$((P + 5)) [many_writers]=$((P + 6)) [failover]="$((P + 7)) $((P + 8))"
	[tagging]=$((P + 9)))
declare -A LIMITS=([crash]=180 [concurrency]=240 [dump_restore]=240 [memory]=420 [sqlsmith]=420
	[many_writers]=180 [failover]=180 [tagging]=300)

checks=("$@")
[ ${#checks[@]} -gt 0 ] || checks=("${ALL_CHECKS[@]}")
for check in "${checks[@]}"; do
	if [ -z "${PORTS[$check]:-}" ]; then
		echo "error: no such check: $check (checks: ${ALL_CHECKS[*]})" >&2
		exit 2
	fi
done

STRESS_WORK=$(mktemp -d /tmp/clarky-stress.XXXXXX)
chmod 755 "$STRESS_WORK"
export STRESS_WORK
cleanup() {
	local pidfile
	# any cluster a check left running (each stops its own; this is for a
	# check that was killed)
	for pidfile in "$STRESS_WORK"/*/*/data/postmaster.pid "$STRESS_WORK"/*/data/postmaster.pid; do
		[ -e "$pidfile" ] && stop_cluster "$(dirname "$(dirname "$pidfile")")"
	done
	if [ "${STRESS_KEEP:-0}" == 1 ]; then
		echo "# work directory kept: $STRESS_WORK" >&2
	else
		rm -rf "$STRESS_WORK"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT

install_packages sqlsmith
if [ "${STRESS_NO_BUILD:-0}" == 1 ]; then
	log "STRESS_NO_BUILD=1: testing the clarky_activity already installed"
else
	build_install
fi

started=$SECONDS
next=1
passed=0
failed=0
: >"$STRESS_WORK/figures"
for check in "${checks[@]}"; do
	log "stress check: $check"
	t0=$SECONDS
	out=$STRESS_WORK/$check.out
	status=0
	# (each check cleans up its clusters itself; timeout -k ends a stuck one)
	STRESS_TAP_START=$next timeout -k 30 "${LIMITS[$check]}" \
		"$STRESS_DIR/$check.sh" ${PORTS[$check]} 2>&1 | tee "$out" || status=$?
	p=$(grep -c '^ok ' "$out" || true)
	f=$(grep -c '^not ok ' "$out" || true)
	next=$((next + p + f))
	if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
		# it died, or timed out, before a check could fail
		echo "not ok $next - $check.sh ended with status $status before its checks were done"
		next=$((next + 1))
		f=1
	elif ! grep -q "^# $check: " "$out"; then
		echo "not ok $next - $check.sh did not finish"
		next=$((next + 1))
		f=$((f + 1))
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	grep '^# figure ' "$out" >>"$STRESS_WORK/figures" || true
	echo "# figure $check.check_seconds=$((SECONDS - t0))" >>"$STRESS_WORK/figures"
done

echo
echo "# figures ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, PostgreSQL $("$PG_BIN/postgres" -V | awk '{ print $3 }'), $((SECONDS - started)) s)"
sed 's/^# figure /#   /' "$STRESS_WORK/figures"
if [ -n "${STRESS_FIGURES:-}" ]; then
	sed 's/^# figure //' "$STRESS_WORK/figures" >"$STRESS_FIGURES"
fi
echo
print_tally "$passed" "$failed"
[ "$failed" -eq 0 ]
