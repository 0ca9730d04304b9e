#!/bin/sh
# run.sh - the bad-input corpus: each directory here is one case, a command line (`cmd`,
# its second line, run in a copy of the directory) with the exit status (`exit`) and the
# stderr (`stderr`: exactly, or its first lines when the file holds only those, as before a
# usage text) it must give. Add a case: a directory with cmd, exit and its input files, then
# `run.sh --update` and review the new stderr. Every case runs against one database holding
# tests/data's contacts and events, and after each the database must be unchanged (the hash
# of its dump). `run.sh --update` writes the stderr files from the binary (review the diff).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${FOLLOWUP_BIN:?set FOLLOWUP_BIN to the followup binary}"
update=0
[ "${1:-}" = "--update" ] && update=1
tmp=$(mktemp -d "${TMPDIR:-/tmp}/fu-bad.XXXXXX")
export FOLLOWUP_DB="$tmp/base.db"
export FOLLOWUP_NOW="2026-11-25T09:00:00Z"
export ASAN_OPTIONS="detect_leaks=1"
"$FOLLOWUP_BIN" init >/dev/null &&
	"$FOLLOWUP_BIN" import contacts "$here/../data/contacts.csv" >/dev/null &&
	"$FOLLOWUP_BIN" import events "$here/../data/events.csv" >/dev/null ||
	{ echo "bad: cannot set up the database" >&2; exit 1; }
dump() { sqlite3 "$FOLLOWUP_DB" .dump | sha256sum | cut -d' ' -f1; }
base=$(dump)
pass=0 fail=0
for dir in "$here"/*/; do
	name=$(basename "$dir")
	rm -rf "$tmp/work"
	cp -r "$dir" "$tmp/work"
	cmd=$(sed -n 2p "$dir/cmd")
	want_exit=$(cat "$dir/exit")
	set -f # the words of cmd are not patterns
	# shellcheck disable=SC2086
	(cd "$tmp/work" && "$FOLLOWUP_BIN" $cmd >/dev/null 2>"$tmp/stderr")
	got=$?
	set +f
	why=""
	if [ "$got" -ne "$want_exit" ]; then
		why="exited $got, want $want_exit"
	elif [ "$update" -eq 1 ]; then
		cp "$tmp/stderr" "$dir/stderr"
	elif ! head -n "$(wc -l <"$dir/stderr")" "$tmp/stderr" | cmp -s - "$dir/stderr"; then
		why="stderr differs: $(diff "$dir/stderr" "$tmp/stderr" | sed -n 's/^> //p' | head -3)"
	fi
	if [ -z "$why" ] && [ "$(dump)" != "$base" ]; then
		why="the database changed"
		cp "$tmp/base.db" "$tmp/changed-by-$name.db"
	fi
	if [ -n "$why" ]; then
		fail=$((fail + 1))
		echo "bad: FAIL $name: $why (followup $cmd)"
		echo "     $(cat "$tmp/stderr")"
		base=$(dump)
	else
		pass=$((pass + 1))
	fi
done
echo "bad: $pass cases passed, $fail failed"
[ "$fail" -eq 0 ] && rm -rf "$tmp"
[ "$fail" -eq 0 ]
