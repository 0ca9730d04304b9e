# lib.sh - helpers for the end-to-end tests (sourced): run followup on a private database,
# as named cases in the manner of git's t/ suite:
#
#	test_expect_success 'a re-import stores nothing' '
#		fu import events "$DATA/events.csv" >out &&
#		expect_grep "0 events stored" out
#	'
#	...
#	test_expect_success 'show names the file' - <<\EOT
#		expect_eq "$(json_get out.json '$.name')" Ada
#	EOT
#	test_done
#
# Each case's body runs in a subshell under `set -e`: the first command that fails ends
# the case (so `&&` chains are not needed, though they do no harm), prints "not ok N - name"
# with the body and the end of its output (under bash, which run.sh uses, with the trace of
# its commands: the last "+" line is the one that failed), and the next case runs. Variables set in a body do not reach later cases (files and the database do);
# shell functions defined at the top of a script are visible in every body. test_done prints
# the tally and fails the script if any case failed; a script that ends without calling it
# fails too.
set -u
export FOLLOWUP_DB="$PWD/test.db"
export FOLLOWUP_NOW="2026-11-25T09:00:00Z"
export ASAN_OPTIONS="detect_leaks=1"
DATA="$TESTS_DIR/data"

fu() { "$FOLLOWUP_BIN" "$@"; }
# fu_load: a new database with ./contacts.csv and then ./events.csv imported (quietly; a
# failure stops the case with the command's own message)
fu_load() {
	fu init >/dev/null
	fu import contacts contacts.csv >/dev/null
	fu import events events.csv >/dev/null
}

test_count=0
test_failed=0
test_failed_names=""
test_finished=0

# test_expect_success 'NAME' 'BODY': run BODY as one named case; with BODY '-' the body is
# read from stdin (a here-document, for bodies that hold single quotes)
test_expect_success() {
	if [ $# -ne 2 ]; then
		echo "error: test_expect_success needs a name and a body (got $# arguments)" >&2
		exit 2
	fi
	test_body=$2
	if [ "$test_body" = - ]; then
		test_body=$(cat)
	fi
	test_count=$((test_count + 1))
	# not a condition: `set -e` would be ignored inside `if ( ... )`
	(
		set -e
		if [ -n "${BASH_VERSION:-}" ]; then
			# the trace goes to the case's log even where a command's stderr is redirected
			BASH_XTRACEFD=9
			eval "set -x
$test_body"
		else
			eval "$test_body"
		fi
	) >".case.log" 2>&1 9>&1 </dev/null
	test_rc=$?
	if [ "$test_rc" -eq 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		test_failed_names="$test_failed_names
#	$test_count - $1"
		echo "not ok $test_count - $1 (exit status $test_rc)"
		echo "#	the case:"
		printf '%s\n' "$test_body" | sed -e '/^[[:space:]]*$/d' -e 's/^/#	/'
		echo "#	its last output and commands (+ lines):"
		tail -n 30 ".case.log" | sed 's/^/#	/'
	fi
	rm -f ".case.log"
}

# skip_all 'REASON': the whole script is skipped (say why)
skip_all() {
	echo "1..0 # SKIP $1"
	test_finished=1
	exit 0
}

# test_done: the tally; fails the script when any case failed
test_done() {
	test_finished=1
	echo "1..$test_count"
	if [ "$test_failed" -ne 0 ]; then
		echo "# failed $test_failed of $test_count:$test_failed_names"
		exit 1
	fi
	echo "# passed all $test_count"
	exit 0
}

test_at_exit() {
	if [ "$test_finished" -ne 1 ]; then
		echo "not ok - the script stopped outside a case, or without test_done (after case $test_count)"
		exit 1
	fi
}
trap test_at_exit EXIT

# test_cmp EXPECT ACTUAL: fail with a diff when they differ
test_cmp() {
	if ! diff -u "$1" "$2"; then
		echo "FAIL: $2 differs from $1" >&2
		return 1
	fi
}

# expect_fail STATUS CMD...: run CMD, require exit status STATUS; stdout to ./out, stderr to ./err
expect_fail() {
	want=$1
	shift
	"$@" >out 2>err && got=0 || got=$?
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: '$*' exited $got, expected $want; stderr:" >&2
		cat err >&2
		return 1
	fi
}

# expect_grep PATTERN FILE
expect_grep() {
	if ! grep -q -- "$1" "$2"; then
		echo "FAIL: '$1' not found in $2:" >&2
		cat "$2" >&2
		return 1
	fi
}

# expect_eq ACTUAL EXPECTED [WHAT]: fail, saying both, when they differ
expect_eq() {
	if [ "$1" != "$2" ]; then
		echo "FAIL: ${3:-value}: got '$1', expected '$2'" >&2
		return 1
	fi
}

# json_get FILE PATH: the value at PATH ('$.a.b[0]') in the JSON file FILE
json_get() { sqlite3 :memory: "SELECT json_extract(readfile('$1'), '$2')"; }

# db_dump: the derived state table, for bit-for-bit comparisons
db_dump() { sqlite3 "$FOLLOWUP_DB" "SELECT * FROM contact_state ORDER BY contact_id"; }
