# test/tap.sh: TAP output for the shell tests (sourced): "ok N - ...",
# "not ok N - ...", "#   ..." for diagnostics; tap_end prints "1..N" and
# "# NAME: N passed, N failed" and returns whether every check passed.
# Sourced after scripts/lib.sh, whose print_tally writes that line.
n=0
passed=0
failed=0
pass() {
	n=$((n + 1)) passed=$((passed + 1))
	echo "ok $n - $1"
}
fail() {
	n=$((n + 1)) failed=$((failed + 1))
	echo "not ok $n - $1"
}
skip() {
	n=$((n + 1)) passed=$((passed + 1))
	echo "ok $n - $1 # SKIP $2"
}
# diag TEXT...: each line as a TAP comment (at most 60 lines)
diag() {
	printf '%s\n' "$@" | head -n 60 | sed 's/^/#   /'
}
# is GOT EXPECTED DESCRIPTION
is() {
	if [ "$1" == "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:      $1" "expected: $2"
	fi
}
# verdict OUTPUT DESCRIPTION: passes when OUTPUT is "ok" (a check written in
# SQL prints "ok" or what is wrong)
verdict() {
	if [ "$1" == ok ]; then
		pass "$2"
	else
		fail "$2"
		diag "$1"
	fi
}
bail() {
	echo "Bail out! $*"
	exit 1
}
# tap_end NAME
tap_end() {
	echo "1..$n"
	print_tally "$passed" "$failed" "# $1"
	[ "$failed" -eq 0 ]
}
