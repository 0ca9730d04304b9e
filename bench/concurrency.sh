#!/bin/sh
# concurrency.sh - issue 9 at full size: a first import of 2,000,000 events while 20 other
# commands (reads, appends, a second import) start at random moments; none may fail, every
# append is stored, the state equals a rebuild (tests/e2e/t0014-concurrency.sh, which
# `make test` runs at 150,000 events). Prints how long the import and the run took.
#   EVENTS=2000000 COMMANDS=20 bench/concurrency.sh      (from the top of the checkout)
set -eu
cd "$(dirname "$0")/.."
[ -x followup ] || make followup >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/fu-concurrency.XXXXXX")
start=$(date +%s)
(cd "$dir" && FOLLOWUP_BIN="$OLDPWD/followup" TESTS_DIR="$OLDPWD/tests" \
	EVENTS="${EVENTS:-2000000}" COMMANDS="${COMMANDS:-20}" sh "$OLDPWD/tests/e2e/t0014-concurrency.sh")
echo "whole run (data, import, commands, rebuild check): $(($(date +%s) - start)) s"
rm -rf "$dir"
