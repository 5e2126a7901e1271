#!/usr/bin/env bash
# scripts/sql_scripts.sh: the install and update scripts that the build
# makes from sql/ (the Makefile's DATA_built).
#
#   scripts/sql_scripts.sh list DIR     the files it writes, one a line
#   scripts/sql_scripts.sh write DIR    write them into DIR
#
# The SQL of every version is written once, in sql/: the 1.0.0 install
# script and one update step per version after it.  Every script up to
# 1.3.0 ends with NOTIFY pgrst, 'reload schema', and they are frozen; but
# Citus runs CREATE EXTENSION and ALTER EXTENSION ... UPDATE again on each
# worker, inside a transaction it prepares, where a NOTIFY cannot be.  So
# for each version V from FIRST on, this writes
#   clarky_activity--V.sql     the full script: 1.0.0 and every step to V
#   clarky_activity--U--V.sql  for each U older than V's own step: the steps
#                              from U to V in one (PostgreSQL takes the
#                              shortest way, so these replace the chain)
# each the files' statements as written, without their \echo guard and
# without the frozen NOTIFY (and its comment line): the steps from 1.4.0 on
# decide themselves whether to notify (see sql/clarky_activity--1.3.0--1.4.0.sql).
# A fresh install and every update therefore run the same statements as the
# chain does; the test suite compares their catalogs.
set -euo pipefail

EXTENSION=clarky_activity
FIRST=1.4.0	# the first version whose scripts Citus can propagate
SQL_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../sql" && pwd)

usage() {
	echo "usage: $0 list|write DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
mode=$1 out=$2

# The versions, oldest first, following the steps from 1.0.0
versions=(1.0.0)
while :; do
	next=
	for f in "$SQL_DIR/$EXTENSION--${versions[-1]}--"*.sql; do
		[ -e "$f" ] || break
		[ -z "$next" ] || { echo "error: two steps from ${versions[-1]} in $SQL_DIR" >&2; exit 1; }
		next=${f##*--}
		next=${next%.sql}
	done
	[ -n "$next" ] || break
	versions+=("$next")
done

# body FILE: its statements, without the \echo guard, its header comment
# and the frozen NOTIFY
body() {
	printf '\n-- ---- %s\n' "sql/$(basename "$1")"
	sed -e '1{/^\/\* sql\/.* \*\/$/d}' \
		-e '/^-- complain if script is sourced in psql/d' \
		-e '/^\\echo /d' \
		-e '/^-- Tell a running PostgREST to reload its schema cache\.$/d' \
		-e "/^NOTIFY pgrst, 'reload schema';\$/d" "$1"
}
step() { # FROM TO
	echo "$SQL_DIR/$EXTENSION--$1--$2.sql"
}

# emit NAME GUARD FILE...: write (or list) DIR/NAME, made of FILE...
emit() {
	local name=$1 guard=$2 f
	shift 2
	if [ "$mode" == list ]; then
		echo "$out/$name"
		return
	fi
	{
		printf '/* %s: made by scripts/sql_scripts.sh from %s; do not edit */\n\n' \
			"$name" "$(for f in "$@"; do printf 'sql/%s ' "$(basename "$f")"; done | sed 's/ $//')"
		printf '%s\n' "-- complain if script is sourced in psql" "$guard"
		for f in "$@"; do
			body "$f"
		done
	} >"$out/$name.tmp"
	mv "$out/$name.tmp" "$out/$name"
}

case $mode in
list) ;;
write) mkdir -p "$out" ;;
*) usage ;;
esac

for ((v = 1; v < ${#versions[@]}; v++)); do
	V=${versions[v]}
	# versions before FIRST keep their chain
	[ "$(printf '%s\n%s\n' "$FIRST" "$V" | sort -V | head -n 1)" == "$FIRST" ] || continue
	files=("$SQL_DIR/$EXTENSION--1.0.0.sql")
	for ((s = 1; s <= v; s++)); do
		files+=("$(step "${versions[s - 1]}" "${versions[s]}")")
	done
	emit "$EXTENSION--$V.sql" "\\echo Use \"CREATE EXTENSION $EXTENSION\" to load this file. \\quit" "${files[@]}"
	for ((u = 0; u < v - 1; u++)); do
		emit "$EXTENSION--${versions[u]}--$V.sql" \
			"\\echo Use \"ALTER EXTENSION $EXTENSION UPDATE TO '$V'\" to load this file. \\quit" \
			"${files[@]:u+1:v-u}"
	done
done
