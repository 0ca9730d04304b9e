#!/bin/sh
# run.sh - the web app's browser tests (app.test.js) against $FOLLOWUP_BIN; screenshots in $SHOTS
set -eu
here=$(cd "$(dirname "$0")" && pwd)
: "${FOLLOWUP_BIN:?set FOLLOWUP_BIN to the followup binary}"
if [ ! -d "$here/node_modules/playwright-core" ]; then
	echo "web: playwright-core is missing: run 'make deps' (npm ci in tests/web)" >&2
	exit 1
fi
export FOLLOWUP_BIN
cd "$here"
exec node --test --test-reporter=spec app.test.js pages.test.js
