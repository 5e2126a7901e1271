#!/usr/bin/env bash
# test/bench_smoke.sh: the benchmark harness still runs, checked, never
# timed.  Runs bench/run.sh --tiny (a few thousand rows, 1 s a case, its own
# cluster on port 25462, no doc rewrite) and checks what it wrote: the
# reference and the lean log agreed with the extension, on the plain data
# set and on its variant with a tenth of the activities deleted (tagged
# activities and both company scopes among the pages), the company cases'
# baselines on the company data set, and the by-id cases' plain SQL did
# what the extension's functions do (the run stops otherwise; these checks
# also read the lines saying so), every side of every case ran
# transactions, the 1.2.0 to 1.3.0 upgrade was timed and left exact
# totals, the plans were captured, the memory check sampled one backend.  Prints TAP lines and "N passed, N failed".
# Called by scripts/test.sh; run it alone as root.  bench/run.sh's
# environment applies: CLARKY_BENCH_PORT and CLARKY_BENCH_DIR give the
# cluster another port and directory (say, beside another run of this
# check), CLARKY_BENCH_NO_BUILD=1 uses the installed extension.
set -uo pipefail

# REPO_DIR and print_tally; lib.sh sets -e, which this script, checking
# what a failed run left, does without
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh" || exit 1
set +e
LOG=$(mktemp /tmp/clarky-bench-smoke.XXXXXX)
trap 'rm -f "$LOG"' EXIT

n=0
passed=0
failed=0
is_ok() {
	local description=$1
	shift
	n=$((n + 1))
	if "$@"; then
		passed=$((passed + 1))
		echo "ok $n - $description"
	else
		failed=$((failed + 1))
		echo "not ok $n - $description"
	fi
}

"$REPO_DIR/bench/run.sh" --tiny >"$LOG" 2>&1
rc=$?
is_ok "bench/run.sh --tiny completes (the reference returns what the extension returns)" [ "$rc" -eq 0 ]
if [ "$rc" -ne 0 ]; then
	tail -n 30 "$LOG" | sed 's/^/# /'
fi

results=$(sed -n 's/.*results in \(.*\) \[[0-9]* s\]$/\1/p' "$LOG" | head -n 1)
tsv=$results/results.tsv

# ran CASE SIDE: the side of the case has a round with transactions
ran() {
	[ -s "$tsv" ] && awk -F'\t' -v c="tiny:$1" -v s="$2" \
		'$1 == c && $2 == s && $6 + 0 > 0 { found = 1 } END { exit !found }' "$tsv"
}
for pair in timeline_page1:ext timeline_page1:ref timeline_page1:floor \
	hot_page1:ext hot_page1:ref type_filter:ext type_filter:ref \
	deep_pages:ext deep_pages:ref log:ext log:ref log:floor log:contract \
	log:lean log:lean_floor log_contention:hot log_contention:random \
	get:ext get:floor update:ext update:floor complete:ext complete:floor \
	delete_restore:ext delete_restore:floor \
	timeline_page1_deleted:ext timeline_page1_deleted:ref timeline_page1_deleted:floor \
	log_deleted:ext log_deleted:floor \
	company_page1:ext company_page1:ref company_deep:ext company_deep:ref \
	company_total:big company_total:small log_tags:one log_tags:ten log_tags:attributed_floor log_tags:floor; do
	is_ok "case ${pair%%:*}, side ${pair#*:}: ran transactions" ran "${pair%%:*}" "${pair#*:}"
done

# agreed SET WHAT: bench/check.sql's (bench/check_company.sql's) line of
# what it compared on the data set (tiny, tiny_del, tiny_company) names
# WHAT with a count above zero
agreed() {
	[ -s "$results/raw/check-$1.out" ] &&
		grep -E '^bench/(check|check_company)[.]sql: agree: ' "$results/raw/check-$1.out" | grep -Eq "(^|[ ,:])[1-9][0-9]* $2"
}
for set in tiny tiny_del; do
	is_ok "data set $set: the reference's timeline pages agree with the extension's" agreed "$set" "timeline pages"
	is_ok "data set $set: deleted activities are on neither side's pages or totals" agreed "$set" "activities deleted for the check"
done
is_ok "the extension, the reference and the lean log accept and refuse the same payloads" \
	agreed tiny "payloads \(ext, lean, ref\)"
is_ok "the reference's pages agree with the extension's on tagged activities, in both company scopes" \
	agreed tiny "tagged activities"
is_ok "the company baselines return the extension's pages of the big company's whole timeline" \
	agreed tiny_company "company pages"
is_ok "the company data set has activities reaching the big company through its people" \
	agreed tiny_company "activities of co_big through people"
is_ok "the upgrade from 1.2.0 to 1.3.0 was timed and left 1.3.0 with exact totals" \
	awk -F= '$1 == "milliseconds" && $2 > 0 { t = 1 } $1 == "version_after" && $2 == "1.3.0" { v = 1 }
		$1 ~ /_agrees$/ { n++; if ($2 == "t") a++ } END { exit !(t && v && n == 2 && a == 2) }' \
	"$results/upgrade.txt"
is_ok "the variant data set has about a tenth of its activities deleted" \
	awk -F= '$1 == "rows" { r = $2 } $1 == "deleted_rows" { d = $2 } END { exit !(r > 0 && d >= 0.08 * r && d <= 0.12 * r) }' \
	"$results/dataset-tiny_del.txt"
for case in get update complete delete; do
	is_ok "by-id case $case: the extension and its plain SQL do the same" \
		grep -Eq "^agree $case: [1-9][0-9]* checks" "$results/raw/agree-tiny.out"
done
is_ok "latency against page depth measured for both sides" \
	awk -F'\t' '$1 == "tiny:depth" { s[$2] = 1 } END { exit !(s["ext"] && s["ref"]) }' "$tsv"
is_ok "the timeline plans were captured, with their index range scans" \
	grep -q "Index Scan using activities_contact_timeline" "$results/explain.txt"
is_ok "the big company's plans were captured, with its road through people" \
	grep -q "activity_links_pkey on activity_links" "$results/explain.txt"
is_ok "the memory check sampled one backend several times" \
	awk -F'\t' '{ pid[$2] = 1; rows++ } END { exit !(rows >= 2 && length(pid) == 1) }' "$results/memory.tsv"

echo "1..$n"
print_tally "$passed" "$failed" "bench smoke"
[ "$failed" -eq 0 ]
