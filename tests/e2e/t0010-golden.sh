# The demo's agenda, report, lapses and status at a fixed clock are byte-identical to the
# outputs kept in tests/golden/ (issue 8: a refactoring may not change behaviour). When a
# change of behaviour is intended, regenerate them with tests/golden/update.sh and say why in
# the commit.
. "$TESTS_DIR/e2e/lib.sh"

fu --db g.db demo >/dev/null
fu --db g.db agenda --json >demo-agenda.json
fu --db g.db agenda >demo-agenda.txt
fu --db g.db report --json >demo-report.json
fu --db g.db lapsed --json >demo-lapsed.json
fu --db g.db status --json >demo-status.json
for f in demo-agenda.json demo-agenda.txt demo-report.json demo-lapsed.json demo-status.json; do
	test_cmp "$TESTS_DIR/golden/$f" "$f"
done
