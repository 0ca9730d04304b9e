#!/bin/sh
# run.sh - checks every scenario in tests/cases/: a timeline in, the expected agenda out.
#
# A case is a folder:
#   README         one line: what the case shows (printed when it fails)
#   now            the clock (ISO 8601), for every command of the case
#   contacts.csv   optional: the profiles (`followup import contacts`)
#   events.csv     the timeline (`followup import events`)
#   playbook.yaml  optional: a playbook to use instead of the built-in one
#   commands       optional: shell lines run after the import, before the agenda (`fu done ...`,
#                  `fu event ...`; `fu` runs followup on the case's database, in its directory)
#   args           optional: the agenda's arguments (default: --all)
#   expected       the agenda (`agenda ARGS --json`) in the readable form `show` below writes
#
# The agenda's JSON is turned into that form and compared exactly with `expected`; a case
# whose output differs is named, with its README line and a diff. Usage:
#   tests/cases/run.sh [CASE...]            check all cases, or the named ones
#   tests/cases/run.sh --update CASE...     write each named case's expected from the binary:
#                                           then read it against README.md's rules, line by line
#   tests/cases/run.sh --show CASE          print the case's agenda in the readable form
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${FOLLOWUP_BIN:?set FOLLOWUP_BIN to the followup binary}"
export ASAN_OPTIONS="detect_leaks=1"
mode=check
case ${1:-} in
--update) mode=update; shift ;;
--show) mode=show; shift ;;
esac
if [ "$mode" != check ] && [ $# -eq 0 ]; then
	echo "usage: tests/cases/run.sh [--update|--show] CASE..." >&2
	exit 2
fi

fu() { "$FOLLOWUP_BIN" "$@"; }

# show FILE.json: the agenda, one block per follow-up, every field but the JSON punctuation;
# a follow-up's `say` is its reasons' texts joined, so it is printed only when it is not
show() {
	sqlite3 -batch -noheader -list :memory: "
WITH f AS (SELECT key AS i, value AS v FROM json_each(readfile('$1'))),
r AS (SELECT f.i, x.key AS j, x.value AS v FROM f, json_each(json_extract(f.v, '\$.reasons')) AS x),
l(i, j, k, line) AS (
  SELECT i, -1, 0, json_extract(v, '\$.id') || ' ' || json_extract(v, '\$.contact') ||
    ifnull(' (' || json_extract(v, '\$.name') || ')', '') ||
    ifnull(', owner ' || json_extract(v, '\$.owner'), '') || ': ' ||
    json_extract(v, '\$.channel') || ', due ' || json_extract(v, '\$.due') ||
    ', priority ' || json_extract(v, '\$.priority') ||
    iif(json_extract(v, '\$.overdue'), ', overdue', '') ||
    iif(json_extract(v, '\$.escalated'), ', escalated', '') ||
    iif(json_extract(v, '\$.automated'), ', automated', '') ||
    iif(json_extract(v, '\$.do_not_contact'), ', do-not-contact', '')
  FROM f
  UNION ALL
  SELECT i, -1, 1, '  reach: ' || ifnull(json_extract(v, '\$.email'), '-') || ', ' ||
    ifnull(json_extract(v, '\$.phone'), '-') || '; tz ' || ifnull(json_extract(v, '\$.tz'), '-')
  FROM f
  UNION ALL
  SELECT i, 1000000, 0, '  say (not its reasons'' texts): ' || json_extract(v, '\$.say')
  FROM f WHERE json_extract(v, '\$.say') IS NOT
    (SELECT group_concat(s, char(10)) FROM
      (SELECT json_extract(r.v, '\$.say') AS s FROM r WHERE r.i = f.i ORDER BY r.j))
  UNION ALL
  SELECT i, j, 0, '  - ' || json_extract(v, '\$.trigger') || ': ' || json_extract(v, '\$.why') ||
    ' [events ' || (SELECT group_concat(value, ' ') FROM json_each(json_extract(r.v, '\$.events'))) || ']'
  FROM r
  UNION ALL
  SELECT i, j, 1, '    ' || json_extract(v, '\$.channel') || ', due ' || json_extract(v, '\$.due') ||
    ' (since ' || json_extract(v, '\$.since') || '), priority ' || json_extract(v, '\$.priority') ||
    iif(json_extract(v, '\$.transactional'), ', transactional', '')
  FROM r
  UNION ALL
  SELECT i, j, 2, '    say: ' || replace(json_extract(v, '\$.say'), char(10), char(10) || '         ')
  FROM r)
SELECT line FROM l ORDER BY i, j, k;
SELECT count(*) || ' follow-ups' FROM json_each(readfile('$1'));"
}

# run CASEDIR WORKDIR: the case's agenda into WORKDIR/actual; 1 with a message when a step fails
run() {
	c=$1
	w=$2
	export FOLLOWUP_DB="$w/case.db"
	if [ ! -f "$c/now" ] || [ ! -f "$c/events.csv" ]; then
		echo "a case needs the files now and events.csv" >"$w/err"
		return 1
	fi
	FOLLOWUP_NOW=$(cat "$c/now")
	export FOLLOWUP_NOW
	args=--all
	[ -f "$c/args" ] && args=$(cat "$c/args")
	{
		fu init >/dev/null &&
			{ [ ! -f "$c/contacts.csv" ] || fu import contacts "$c/contacts.csv" >/dev/null; } &&
			fu import events "$c/events.csv" >/dev/null &&
			{ [ ! -f "$c/playbook.yaml" ] || fu playbook use "$c/playbook.yaml" >/dev/null; } &&
			{ [ ! -f "$c/commands" ] || (cd "$w" && set -e && . "$c/commands") >/dev/null; } &&
			# shellcheck disable=SC2086
			fu agenda $args --json >"$w/agenda.json"
	} 2>"$w/err" || return 1
	show "$w/agenda.json" >"$w/actual" 2>>"$w/err"
}

# failure WHAT FILE: the case $name failed; say which, what it shows, what happened
failure() {
	fail=$((fail + 1))
	failed="$failed $name"
	echo "cases: FAIL $name: $(head -1 "$c/README" 2>/dev/null)"
	echo "    $1"
	sed 's/^/    /' "$2"
}

pass=0 fail=0 failed=""
if [ $# -gt 0 ]; then
	cases=$*
else
	cases=$(cd "$here" && for d in */; do echo "${d%/}"; done)
fi
for name in $cases; do
	c="$here/${name%/}"
	name=$(basename "$c")
	if [ ! -d "$c" ]; then
		echo "cases: no case '$name'" >&2
		exit 2
	fi
	w=$(mktemp -d "${TMPDIR:-/tmp}/fu-case-$name.XXXXXX")
	if ! run "$c" "$w"; then
		failure "a step failed (work in $w):" "$w/err"
		continue
	fi
	case $mode in
	show)
		cat "$w/actual"
		rm -rf "$w"
		continue
		;;
	update)
		cp "$w/actual" "$c/expected"
		echo "cases: wrote $name/expected: check it against README.md before committing"
		rm -rf "$w"
		continue
		;;
	esac
	if diff -u "$c/expected" "$w/actual" >"$w/diff" 2>&1; then
		pass=$((pass + 1))
		rm -rf "$w"
	else
		failure "the agenda differs from $name/expected (- expected, + actual; JSON in $w/agenda.json):" \
			"$w/diff"
	fi
done
[ "$mode" = check ] || exit $((fail != 0))
echo "cases: $pass passed, $fail failed${failed:+:$failed}"
[ "$fail" -eq 0 ]
