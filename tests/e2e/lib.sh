# lib.sh - helpers for the end-to-end tests (sourced): run followup on a private database
set -eu
export FOLLOWUP_DB="$PWD/test.db"
export FOLLOWUP_NOW="2026-11-25T09:00:00Z"
export ASAN_OPTIONS="detect_leaks=1"
DATA="$TESTS_DIR/data"

fu() { "$FOLLOWUP_BIN" "$@"; }

# test_cmp EXPECT ACTUAL: fail with a diff when they differ
test_cmp() {
	if ! diff -u "$1" "$2"; then
		echo "FAIL: $2 differs from $1" >&2
		exit 1
	fi
}

# expect_fail STATUS CMD...: run CMD, require exit status STATUS; stderr goes to ./err
expect_fail() {
	want=$1
	shift
	set +e
	"$@" >out 2>err
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "FAIL: '$*' exited $got, expected $want; stderr:" >&2
		cat err >&2
		exit 1
	fi
}

# expect_grep PATTERN FILE
expect_grep() {
	if ! grep -q -- "$1" "$2"; then
		echo "FAIL: '$1' not found in $2:" >&2
		cat "$2" >&2
		exit 1
	fi
}

# db_dump: the derived state table, for bit-for-bit comparisons
db_dump() { sqlite3 "$FOLLOWUP_DB" "SELECT * FROM contact_state ORDER BY contact_id"; }
