# scripts/lib.sh: shared steps of setup.sh and test.sh (sourced, not run).
#
# Everything runs on a fresh Debian 12 machine as root: apt packages, the
# build, and a private PostgreSQL 15 cluster (own data directory, port and
# socket directory) that never touches a system cluster.

set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_BIN=/usr/lib/postgresql/15/bin
PG_CONFIG=$PG_BIN/pg_config
export PG_CONFIG

APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl build-essential)

log() { printf '\n==> %s\n' "$*" >&2; }

# Re-run the calling script as root where we are not root already.
require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		exec sudo --preserve-env=CLARKY_PORT "$0" "$@"
	fi
}

# Install the Debian packages that are missing (apt-get update only if needed).
install_packages() {
	local missing=() pkg
	for pkg in "${APT_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
}

# Build and install the extension into the PostgreSQL 15 server directories.
build_install() {
	log "building and installing clarky_activity"
	make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" PG_CFLAGS=-Werror >/dev/null
	make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# start_cluster DIR PORT: initdb (if new) and start a private cluster in DIR,
# owned by the postgres user, listening on 127.0.0.1:PORT and a socket in DIR.
start_cluster() {
	local dir=$1 port=$2
	mkdir -p "$dir"
	chown postgres:postgres "$dir"
	if [ ! -s "$dir/data/PG_VERSION" ]; then
		log "creating a private cluster in $dir/data"
		runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/data" -U postgres \
			-A trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
	fi
	export PGHOST=$dir PGPORT=$port PGUSER=postgres
	if runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
		return 0
	fi
	log "starting PostgreSQL 15 on 127.0.0.1:$port"
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
}

stop_cluster() {
	local dir=$1
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# psql against the private cluster, quiet and stopping at the first error.
run_psql() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
