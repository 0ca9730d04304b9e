# Issue 9: a read-only database still answers reading commands (the agenda without writing
# its cache); a full disk says the disk is full. Each part is skipped, saying so, where the
# machine cannot set it up (another user to read as; a user namespace for a small tmpfs).
. "$TESTS_DIR/e2e/lib.sh"

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$FOLLOWUP_BIN" --db "$PWD/ro/r.db" "$@"; }

test_expect_success 'setup: a database with follow-ups' - <<\EOT
	fu init >/dev/null
	fu import contacts "$DATA/agenda-contacts.csv" >/dev/null
	fu import events "$DATA/agenda-events.csv" >/dev/null
EOT

if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	test_expect_success 'a read-only database answers every reading command' - <<-\EOT
		# read as nobody: the file and its directory are root's, so neither can be written
		mkdir ro && cp "$FOLLOWUP_DB" ro/r.db && chmod 755 ro "$PWD" && chmod 644 ro/r.db
		sha256sum ro/r.db >sum
		for c in status "show L1" "agenda --all" contacts report; do
			# shellcheck disable=SC2086
			as_nobody $c >out 2>err || { echo "'$c' failed:"; cat err; exit 1; }
		done
		sha256sum -c sum
		test ! -e ro/r.db-shm
	EOT
	test_expect_success '... and a command that writes says it is read-only' - <<-\EOT
		expect_fail 1 as_nobody event lead NEW1
		expect_grep "the database is read-only" err
	EOT
else
	echo "# skipped: the read-only cases (they need root and setpriv to read as another user)"
fi

if unshare -rm true 2>/dev/null; then
	test_expect_success 'a full disk says the disk is full' - <<-\EOT
		mkdir full
		awk 'BEGIN { print "id,type,contact,time,note"; for (i = 0; i < 20000; i++) printf "FULL%d,lead,FULLK%d,2026-01-05,%0100d\n", i, i, i }' >big.csv
		unshare -rm sh -c 'mount -t tmpfs -o size=400k tmpfs full && cp "$FOLLOWUP_DB" full/f.db &&
			"$FOLLOWUP_BIN" --db full/f.db import events big.csv; echo "exit $?"' >out 2>err || true
		expect_grep "exit 2" out
		expect_grep "the disk is full" err
	EOT
else
	echo "# skipped: the full-disk case (no user namespaces to mount a small tmpfs in)"
fi

test_done
