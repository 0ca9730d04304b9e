# The bad-input corpus (tests/bad/): each case's exit status and message, and the database
# unchanged after every one.
. "$TESTS_DIR/e2e/lib.sh"

test_expect_success 'every bad input gives its status and message and changes nothing' '
	sh "$TESTS_DIR/bad/run.sh"
'

test_done
