# The command line: help, version, usage errors and exit statuses, --db and --now.
. "$TESTS_DIR/e2e/lib.sh"

test_expect_success 'help lists every command' '
	fu help >out
	for c in init demo import contacts show event status rebuild version help; do
		expect_grep "^  $c " out
	done
'

test_expect_success 'help CMD and CMD --help say the same' '
	fu help import >out
	expect_grep "usage: followup import contacts|events FILE" out
	fu import --help >out2
	test_cmp out out2
'

test_expect_success 'version, and as JSON' - <<\EOT
	fu version >out
	expect_grep "^followup 0.1.0 (schema 7" out
	fu version --json >v.json
	expect_eq "$(json_get v.json '$.schema')" 7 schema
EOT

test_expect_success 'an unknown command' - <<\EOT
	expect_fail 1 fu frobnicate
	expect_grep "'frobnicate' is not a command" err
EOT

test_expect_success 'an unknown flag' '
	expect_fail 1 fu status --bogus
	expect_grep "usage: followup status" err
'

test_expect_success 'no database: an error, and none is created' '
	expect_fail 1 fu status
	expect_grep "no such database" err
	test ! -e "$FOLLOWUP_DB"
'

test_expect_success 'a bad --now' '
	expect_fail 1 fu --now 2026-02-30 init
	expect_grep "day 30 out of range" err
'

test_expect_success 'show without a contact' '
	expect_fail 1 fu show
	expect_grep "which contact" err
'

test_expect_success '--db names the database' '
	fu --db other.db init >/dev/null
	test -e other.db
	fu --db other.db event lead L1 --channel call >out
	expect_grep "stored event #1 (lead) for L1 (a new contact)" out
'

test_expect_success '--now wins over $FOLLOWUP_NOW, an event'"'"'s time defaults to the clock' - <<\EOT
	fu --db other.db --now 2026-03-01T08:00:00Z event reply L1 >/dev/null
	fu --db other.db show L1 --json >s.json
	expect_eq "$(json_get s.json '$.events[0].time')" 2026-03-01T08:00:00Z "the reply's time"
	expect_eq "$(json_get s.json '$.events[1].time')" 2026-11-25T09:00:00Z "the lead's time"
EOT

test_expect_success 'an unknown contact' - <<\EOT
	expect_fail 1 fu --db other.db show NOBODY
	expect_grep "contact 'NOBODY': not found" err
EOT

test_expect_success 'an unknown outcome' - <<\EOT
	expect_fail 1 fu --db other.db event touch L1 --outcome maybe
	expect_grep "outcome: 'maybe' is not one of" err
EOT

test_expect_success 'an unknown event type' - <<\EOT
	expect_fail 1 fu --db other.db event buy L1
	expect_grep "unknown type 'buy'" err
EOT

test_expect_success 'control characters never get in' - <<\EOT
	printf 'key,name\nX1,"evil\033[31mred"\n' >esc.csv
	expect_fail 1 fu --db other.db import contacts esc.csv
	expect_grep "esc.csv:2:4: field 'name': control character 0x1b" err
EOT

test_done
