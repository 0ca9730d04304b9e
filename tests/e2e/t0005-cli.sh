# The command line: help, version, usage errors and exit statuses, --db and --now.
. "$TESTS_DIR/e2e/lib.sh"

fu help >out
for c in init demo import contacts show event status rebuild version help; do
	expect_grep "^  $c " out
done
fu help import >out
expect_grep "usage: followup import contacts|events FILE" out
fu import --help >out2
test_cmp out out2
fu version >out
expect_grep "^followup 0.1.0 (schema 3" out
fu version --json >v.json
test "$(sqlite3 :memory: "SELECT json_extract(readfile('v.json'), '\$.schema')")" = 3

expect_fail 1 fu frobnicate
expect_grep "'frobnicate' is not a command" err
expect_fail 1 fu status --bogus
expect_grep "usage: followup status" err
expect_fail 1 fu status
expect_grep "no such database" err
test ! -e "$FOLLOWUP_DB"
expect_fail 1 fu --now 2026-02-30 init
expect_grep "day 30 out of range" err
expect_fail 1 fu show
expect_grep "which contact" err

fu --db other.db init >/dev/null
test -e other.db
fu --db other.db event lead L1 --channel call >out
expect_grep "stored event #1 (lead) for L1 (a new contact)" out
# the clock: --now wins over $FOLLOWUP_NOW, the event's time defaults to it
fu --db other.db --now 2026-03-01T08:00:00Z event reply L1 >/dev/null
fu --db other.db show L1 --json >s.json
test "$(sqlite3 :memory: "SELECT json_extract(readfile('s.json'), '\$.events[0].time')")" = 2026-03-01T08:00:00Z
test "$(sqlite3 :memory: "SELECT json_extract(readfile('s.json'), '\$.events[1].time')")" = 2026-11-25T09:00:00Z
expect_fail 1 fu --db other.db show NOBODY
expect_grep "contact 'NOBODY': not found" err
expect_fail 1 fu --db other.db event touch L1 --outcome maybe
expect_grep "outcome: 'maybe' is not one of" err
expect_fail 1 fu --db other.db event buy L1
expect_grep "unknown type 'buy'" err

# control characters never get in (and output escapes them anyway)
printf 'key,name\nX1,"evil\033[31mred"\n' >esc.csv
expect_fail 1 fu --db other.db import contacts esc.csv
expect_grep "esc.csv:2: column 'name': control character 0x1b" err
