#!/bin/sh
# update.sh - regenerates the golden outputs of tests/e2e/t0010-golden.sh with ./followup
# (only when a change of behaviour is intended; say which in the commit)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${FOLLOWUP_BIN:-$here/../../followup}
export FOLLOWUP_NOW="2026-11-25T09:00:00Z"
db=$(mktemp -d)/g.db
"$bin" --db "$db" demo >/dev/null
"$bin" --db "$db" agenda --json >"$here/demo-agenda.json"
"$bin" --db "$db" agenda >"$here/demo-agenda.txt"
"$bin" --db "$db" report --json >"$here/demo-report.json"
"$bin" --db "$db" lapsed --json >"$here/demo-lapsed.json"
"$bin" --db "$db" status --json >"$here/demo-status.json"
rm -rf "$(dirname "$db")"
