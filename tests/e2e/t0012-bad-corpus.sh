# The bad-input corpus (tests/bad/): each case's exit status and message, and the database
# unchanged after every one.
. "$TESTS_DIR/e2e/lib.sh"
sh "$TESTS_DIR/bad/run.sh"
