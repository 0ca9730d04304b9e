# The demo's agenda, report, lapses and status at a fixed clock are byte-identical to the
# outputs kept in tests/golden/ (issue 8: a refactoring may not change behaviour). When a
# change of behaviour is intended, regenerate them with tests/golden/update.sh and say why in
# the commit.
. "$TESTS_DIR/e2e/lib.sh"

test_expect_success 'setup: the demo business' '
	fu --db g.db demo >/dev/null
'

test_expect_success 'agenda --json is the golden one' '
	fu --db g.db agenda --json >demo-agenda.json
	test_cmp "$TESTS_DIR/golden/demo-agenda.json" demo-agenda.json
'

test_expect_success 'agenda (text) is the golden one' '
	fu --db g.db agenda >demo-agenda.txt
	test_cmp "$TESTS_DIR/golden/demo-agenda.txt" demo-agenda.txt
'

test_expect_success 'report --json is the golden one' '
	fu --db g.db report --json >demo-report.json
	test_cmp "$TESTS_DIR/golden/demo-report.json" demo-report.json
'

test_expect_success 'lapsed --json is the golden one' '
	fu --db g.db lapsed --json >demo-lapsed.json
	test_cmp "$TESTS_DIR/golden/demo-lapsed.json" demo-lapsed.json
'

test_expect_success 'status --json is the golden one' '
	fu --db g.db status --json >demo-status.json
	test_cmp "$TESTS_DIR/golden/demo-status.json" demo-status.json
'

test_done
