# test/stress/common.sh: shared helpers of the stress checks (sourced).
#
# Each check in test/stress/*.sh sources this file, which sources
# scripts/lib.sh (install_packages, build_install, start_cluster, stop_cluster,
# run_psql...).  A check runs one or two private PostgreSQL 15 clusters under
# a work directory of its own, on the port(s) it is given (STRESS_PORT_BASE
# to STRESS_PORT_BASE+9, by default 25470-25479), and
# prints TAP-like lines:
#
#   ok N - description
#   not ok N - description
#   # figure NAME=VALUE          (a measured figure, collected by stress.sh)
#   # CHECKNAME: P passed, F failed
#
# N counts from STRESS_TAP_START (default 1), so that scripts/stress.sh can
# number the checks of every script in one sequence.  A check script exits 0
# when all its checks passed, 1 otherwise.

source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"

STRESS_DIR=$REPO_DIR/test/stress
# a check stopped by set -e says which command stopped it
trap 'echo "# ${0##*/}: line $LINENO: \"$BASH_COMMAND\" failed with status $?" >&2' ERR
export PGCLIENTENCODING=UTF8 PGCONNECT_TIMEOUT=10

TAP_N=$((${STRESS_TAP_START:-1} - 1))
TAP_PASSED=0
TAP_FAILED=0

# ok_if DESCRIPTION COMMAND...: one check, passed when COMMAND succeeds
ok_if() {
	local desc=$1
	shift
	if "$@"; then
		tap_result ok "$desc"
	else
		tap_result "not ok" "$desc"
	fi
}

# is GOT EXPECTED DESCRIPTION: one check, passed when GOT = EXPECTED (as text)
is() {
	if [ "$1" == "$2" ]; then
		tap_result ok "$3"
	else
		tap_result "not ok" "$3"
		printf '   got:      %s\n   expected: %s\n' "$1" "$2" | sed 's/^/# /'
	fi
}

tap_result() {
	TAP_N=$((TAP_N + 1))
	if [ "$1" == ok ]; then
		TAP_PASSED=$((TAP_PASSED + 1))
	else
		TAP_FAILED=$((TAP_FAILED + 1))
	fi
	printf '%s %d - %s\n' "$1" "$TAP_N" "$2"
}

# diag TEXT...: a comment line (each line of TEXT prefixed with "# ")
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# figure NAME VALUE: a measured figure for the report
figure() {
	printf '# figure %s=%s\n' "$1" "$2"
}

# tap_done NAME: the check script's own summary; its exit status
tap_done() {
	print_tally "$TAP_PASSED" "$TAP_FAILED" "# $1"
	[ "$TAP_FAILED" -eq 0 ]
}

# stress_workdir NAME: a work directory for this check, in STRESS_WORK (given
# by stress.sh) or a new temporary one; sets WORK and registers its removal
# (unless STRESS_KEEP=1) after the check's own cleanup.
STRESS_CLEANUPS=()
stress_workdir() {
	if [ -n "${STRESS_WORK:-}" ]; then
		WORK=$STRESS_WORK/$1
		mkdir -p "$WORK"
	else
		WORK=$(mktemp -d "/tmp/clarky-stress-$1.XXXXXX")
		STRESS_OWN_WORK=1
	fi
	chmod 755 "$WORK"
	trap stress_cleanup EXIT
	# A check ended by a signal (scripts/stress.sh's time limit) cleans up
	# too.  (Commands inside a check are bounded with timeout --foreground,
	# which keeps them in the check's process group, so that such a signal
	# reaches them as well and the check is not left waiting.)
	trap 'exit 143' TERM INT
}

# on_exit COMMAND: run COMMAND (a string for eval) when the check exits
on_exit() {
	STRESS_CLEANUPS+=("$1")
}

stress_cleanup() {
	local status=$? i
	set +e
	for ((i = ${#STRESS_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${STRESS_CLEANUPS[i]}" >/dev/null 2>&1
	done
	if [ -n "${STRESS_OWN_WORK:-}" ] && [ "${STRESS_KEEP:-0}" != 1 ]; then
		rm -rf "$WORK"
	fi
	exit "$status"
}

# stress_cluster DIR PORT [NAME=VALUE...]: a private cluster in DIR (see
# lib.sh's start_cluster), started on PORT with the given settings (ALTER
# SYSTEM, then a restart so that every setting is in force), stopped when the
# check exits.  Refuses a port outside the stress range (and start_cluster
# one already in use).
STRESS_PORT_BASE=${STRESS_PORT_BASE:-25470}
stress_cluster() {
	local dir=$1 port=$2 setting
	shift 2
	if [ "$port" -lt "$STRESS_PORT_BASE" ] || [ "$port" -gt $((STRESS_PORT_BASE + 9)) ]; then
		echo "error: port $port is outside the stress range $STRESS_PORT_BASE-$((STRESS_PORT_BASE + 9))" >&2
		return 1
	fi
	on_exit "stop_cluster '$dir'"
	quiet_start "$dir" "$port"
	{
		echo "SET client_min_messages = warning;"
		echo "ALTER SYSTEM SET log_line_prefix = '%m [%p] %q%u@%d ';"
		for setting in "$@"; do
			echo "ALTER SYSTEM SET ${setting%%=*} = '${setting#*=}';"
		done
	} | pg -h "$dir" -p "$port" -d postgres
	stop_cluster "$dir"
	quiet_start "$dir" "$port"
}

# quiet_start DIR PORT: start_cluster without its progress lines, but with
# its errors (and the server log's end) when it fails
quiet_start() {
	local err=$1.start.err
	start_cluster "$1" "$2" 2>"$err" || {
		grep -v '^==> \|^$' "$err" >&2
		return 1
	}
}

# pg ARGS...: psql, unaligned and tuples only, stopping at the first error
pg() {
	"$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# check_sound HOST PORT DB WORK OWNERS WHEN: the tests that a database a
# crash or a failover left behind is sound, as TAP: pg_amcheck finds
# nothing, clarky.activity_counts (every road: contacts, companies,
# companies through people) and every timeline's total (each contact's,
# each company's of scope all and direct) equal count(*) of live
# activities, clarky.activity_links holds exactly the other roads of the
# live activities and is what clarky.rebuild_activity_links() writes (and
# the counts what rebuild_activity_counts() writes: rebuilt in a
# transaction rolled back), and every timeline (and by type those of OWNERS,
# an array literal) read through holds exactly its live activities, newest
# first.  Needs test/stress/sql/checks.sql's checks in DB; WHEN ends the
# tests' names ("after recovery", "on the new primary").  Sets checked (the
# timelines whose totals were compared), timelines (those read through),
# deleted (the deleted activities), links and tagged (the links, the
# activities with more than one contact or company), for the caller's
# figures.
check_sound() {
	local host=$1 port=$2 db=$3 work=$4 owners=$5 when=$6 status=0 t0
	t0=$(now_s)
	local count_bad total_bad timeline_bad pages deleted_seen
	sound_q() { pg -h "$host" -p "$port" -U postgres -d "$db" -c "SET TimeZone = 'UTC'" -c "$1"; }
	timeout --foreground 120 "$PG_BIN/pg_amcheck" -h "$host" -p "$port" -U postgres -d "$db" \
		--heapallindexed --parent-check --rootdescend >"$work/amcheck.out" 2>&1 || status=$?
	ok_if "pg_amcheck --heapallindexed --parent-check --rootdescend finds nothing $when" \
		test "$status" -eq 0 -a ! -s "$work/amcheck.out"
	[ -s "$work/amcheck.out" ] && diag "$(head -n 20 "$work/amcheck.out")"

	count_bad=$(sound_q "SELECT count(*) FROM stress.count_mismatches()")
	is "$count_bad" 0 "clarky.activity_counts equals count(*) of live activities for every workspace, owner and type $when"
	sound_q "SET client_min_messages = warning; DROP TABLE IF EXISTS stress.totals_read;
		CREATE TABLE stress.totals_read AS SELECT * FROM stress.total_mismatches()" >/dev/null
	total_bad=$(sound_q "SELECT count(*) FROM stress.totals_read WHERE owner_kind <> 'checked'")
	checked=$(sound_q "SELECT counted FROM stress.totals_read WHERE owner_kind = 'checked'")
	is "$total_bad" 0 "every timeline's total equals count(*) of live activities $when ($checked timelines: contacts', companies' of scope all and direct, per owner and per type)"
	[ "$total_bad" == 0 ] || diag "$(sound_q "SELECT * FROM stress.totals_read LIMIT 10")"
	local link_bad tag_bad rebuild_bad
	link_bad=$(sound_q "SELECT count(*) FROM stress.link_mismatches()")
	tag_bad=$(sound_q "SELECT count(*) FROM stress.tag_mismatches()")
	links=$(sound_q "SELECT count(*) FROM clarky.activity_links")
	tagged=$(sound_q "SELECT count(*) FROM clarky.activities
		WHERE cardinality(other_contact_ids) + cardinality(other_company_ids) > 0")
	is "$link_bad/$tag_bad" 0/0 "clarky.activity_links holds exactly one link per other contact, other company and company through people of each live activity, none of a deleted one ($links links, $tagged tagged activities), and no activity repeats a contact or company $when"
	[ "$link_bad/$tag_bad" == 0/0 ] || diag "$(sound_q "SELECT * FROM stress.link_mismatches() LIMIT 10")" \
		"$(sound_q "SELECT * FROM stress.tag_mismatches() LIMIT 10")"
	rebuild_bad=$(pg -h "$host" -p "$port" -U postgres -d "$db" -c "BEGIN" \
		-c "SELECT count(*) FROM stress.rebuild_differences()" -c "ROLLBACK")
	is "$rebuild_bad" 0 "clarky.rebuild_activity_links() and rebuild_activity_counts() change nothing $when (rebuilt in a transaction rolled back)"
	[ "$rebuild_bad" == 0 ] || diag "$(pg -h "$host" -p "$port" -U postgres -d "$db" -c "BEGIN" \
		-c "SELECT * FROM stress.rebuild_differences() LIMIT 10" -c "ROLLBACK")"
	deleted=$(sound_q "SELECT count(*) FROM clarky.activities WHERE deleted_at IS NOT NULL")
	sound_q "SET client_min_messages = warning; DROP TABLE IF EXISTS stress.timelines_read;
		CREATE TABLE stress.timelines_read AS SELECT * FROM stress.timeline_mismatches('$owners')" >/dev/null
	timeline_bad=$(sound_q "SELECT count(*) FROM stress.timelines_read WHERE owner_kind <> 'checked'")
	IFS='|' read -r timelines pages deleted_seen < <(sound_q "SELECT counted, pages, deleted_seen FROM stress.timelines_read WHERE owner_kind = 'checked'")
	is "$timeline_bad/$deleted_seen" 0/0 "every timeline read through $when ($timelines, $pages pages) holds exactly its live activities, newest first; none of the $deleted deleted ones"
	[ "$timeline_bad" == 0 ] || diag "$(sound_q "SELECT * FROM stress.timelines_read LIMIT 10")"
	diag "checked $when in $(elapsed "$t0") s"
}

# clients_alive: every background client in CLIENT_PIDS still runs
clients_alive() {
	local p
	for p in "${CLIENT_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || return 1
	done
}

# kill_cluster DIR: kill -9 the cluster's postmaster and every process it
# forked at once, as a crash of the machine would.  Each child of the
# postmaster is a session and process group of its own (InitPostmasterChild
# calls setsid), so the postmaster's group is only itself: it is stopped
# first, so that it forks nothing more, then it and its children are killed,
# and anything left in their process groups (none is expected).  Sets
# KILLED_PIDS, the postmaster's pid first; cluster_gone waits on them.
kill_cluster() {
	local pm p
	pm=$(postmaster_pid "$1")
	kill -STOP "$pm"
	KILLED_PIDS="$pm $(ps -o pid= --ppid "$pm" | tr -d ' ' | tr '\n' ' ')"
	# shellcheck disable=SC2086 # a list of pids
	kill -9 $KILLED_PIDS
	for p in $KILLED_PIDS; do
		kill -9 -- "-$p" 2>/dev/null || true
	done
}

# running PID: the process is there and not a zombie (a killed process whose
# parent died too waits for init to reap it, which took seconds on this
# project's machine: a zombie holds no socket, file or lock)
running() {
	local stat state
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	state=${stat##*) }
	[ "${state%% *}" != Z ]
}

# cluster_gone: every process kill_cluster killed is gone, and nothing is
# left in their process groups
cluster_gone() {
	local p groups
	groups=$(tr -s ' ' ',' <<<"$KILLED_PIDS" | sed 's/^,//; s/,$//')
	for p in $KILLED_PIDS $(pgrep -g "$groups" || true); do
		! running "$p" || return 1
	done
}

# postmaster_pid DIR: the pid of the cluster's postmaster
postmaster_pid() {
	head -n 1 "$1/data/postmaster.pid"
}

# server_log_problems LOG: lines of a server log telling of a crash, an
# assertion failure or a leak warning
server_log_problems() {
	grep -E 'terminated by signal|TRAP:|PANIC:|was terminated|exited with exit code [^01]|all server processes terminated|WARNING: .*(leak|not closed|still referenced)' "$1" || true
}

# wait_for SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds;
# fails after SECONDS
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# now_s: seconds since the epoch, with milliseconds
now_s() {
	date +%s.%3N
}

# elapsed START: seconds since START (from now_s), one decimal
elapsed() {
	awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'
}
