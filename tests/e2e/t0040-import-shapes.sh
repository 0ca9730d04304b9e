# The same business imported in every shape a user brings (issue 13): events ordered by
# contact, by time or shuffled; CSV and JSON Lines; a header in another order with columns to
# ignore; into a database with the contacts or into an empty one; again (every row already
# stored); and a last day on its own into the rest. Each import's derived state and the
# agenda of a fixed day must equal what a rebuild gives, and every shape the same business.
. "$TESTS_DIR/e2e/lib.sh"

# a business of 60 contacts from `followup demo`, its events written out in each shape
export FOLLOWUP_DB="$PWD/source.db"
ev_id="coalesce(e.ext_id, 'X' || e.id)"
ev_time="strftime('%Y-%m-%dT%H:%M:%SZ', e.time, 'unixepoch')"
ev_amount="CASE WHEN e.amount IS NULL THEN NULL
	ELSE printf('%d.%02d', e.amount / 100, e.amount % 100) END"
ev_due="CASE WHEN e.due IS NULL THEN NULL
	ELSE strftime('%Y-%m-%dT%H:%M:%SZ', e.due, 'unixepoch') END"
ev_cols="$ev_id AS id, t.name AS type, c.key AS contact, $ev_time AS time, $ev_amount AS amount,
	e.ref AS ref, $ev_due AS due, e.channel AS channel, e.outcome AS outcome, e.note AS note"
ev_json="json_object('id', $ev_id, 'type', t.name, 'contact', c.key, 'time', $ev_time,
	'amount', $ev_amount, 'ref', e.ref, 'due', $ev_due, 'channel', e.channel,
	'outcome', e.outcome, 'note', e.note)"
ev_from="FROM events e JOIN event_types t ON t.id = e.type JOIN contacts c ON c.id = e.contact_id"
by_contact="e.contact_id, e.time, e.id"
last_day="strftime('%s', '2026-11-24')"
events_csv() { # file WHERE ORDER
	sqlite3 -csv -header "$FOLLOWUP_DB" "SELECT $ev_cols $ev_from WHERE $2 ORDER BY $3" >"$1"
}

test_expect_success 'setup: a demo business written out in every shape' '
	fu demo --contacts 60 --seed 7 >/dev/null
	sqlite3 -csv -header "$FOLLOWUP_DB" "SELECT key, name, email, phone, company, owner, tz,
		json_extract(attrs, \"$.segment\") AS segment FROM contacts ORDER BY id" >contacts.csv
	events_csv by-contact.csv 1 "$by_contact"
	events_csv by-time.csv 1 "e.time, e.id"
	events_csv shuffled.csv 1 "(e.id * 7919) % 1009, e.id"
	events_csv base.csv "e.time < $last_day" "$by_contact"
	events_csv day.csv "e.time >= $last_day" "e.time, e.id"
	sqlite3 "$FOLLOWUP_DB" "SELECT $ev_json $ev_from ORDER BY $by_contact" >events.jsonl
	# another order, and two columns that are not fields
	sqlite3 -csv -header "$FOLLOWUP_DB" "SELECT time, 1 AS source, contact, type, amount, id,
		2 AS campaign, note, ref, outcome, due, channel
		FROM (SELECT $ev_cols $ev_from ORDER BY $by_contact)" >mapped.csv
	n=$(($(wc -l <by-contact.csv) - 1))
	test "$n" -gt 500 || { echo "only $n events" >&2; exit 1; }
	expect_eq "$(wc -l <events.jsonl)" "$n" "JSON Lines rows"
	expect_eq "$(($(wc -l <base.csv) + $(wc -l <day.csv) - 2))" "$n" "base and day rows"
	test "$(wc -l <day.csv)" -gt 1 || { echo "no events on the last day" >&2; exit 1; }
'

# views: the derived state, the state table itself (by key: contacts made from events are
# numbered in the order the file names them) and the agenda of one day
views() { # dir
	mkdir -p "$1"
	fu status --json >"$1/status.json"
	sqlite3 "$FOLLOWUP_DB" "SELECT c.key, $(sqlite3 "$FOLLOWUP_DB" "SELECT group_concat('s.' ||
		name) FROM pragma_table_info('contact_state') WHERE name != 'contact_id'")
		FROM contact_state s JOIN contacts c ON c.id = s.contact_id ORDER BY c.key" >"$1/state"
	fu agenda --all --json >"$1/agenda.json"
	# the same business in another file order: its events (and so its follow-ups) are
	# numbered otherwise; everything else must be equal
	sed -E -e 's/"id": "F[0-9]+-[0-9]+"/"id": "F"/' -e '/^ *[0-9]+,?$/d' "$1/agenda.json" \
		>"$1/agenda.same"
}
# compares the views of two imports of one business: the same but for numbering
same_business() { # dir dir
	for v in status.json state agenda.same; do
		test_cmp "$1/$v" "$2/$v"
	done
}
# imports into a new database: "contacts" first or not, then each file given
load() { # name contacts|none files...
	export FOLLOWUP_DB="$PWD/$1.db"
	name=$1
	shift
	if [ "$1" = contacts ]; then
		fu import contacts contacts.csv >/dev/null
	fi
	shift
	for f in "$@"; do
		fu import events "$f" >"$name.out"
	done
	views "$name"
	fu rebuild >/dev/null
	views "$name.rebuilt"
	for v in status.json state agenda.json; do
		test_cmp "$name.rebuilt/$v" "$name/$v"
	done
}

test_expect_success 'contacts, then events by contact: as a rebuild' '
	load ref contacts by-contact.csv
	expect_grep "\"events\": $(($(wc -l <by-contact.csv) - 1))," ref/status.json
	test "$(grep -c "\"contact\"" ref/agenda.json)" -gt 5 || { echo "an empty agenda" >&2; exit 1; }
'

for shape in by-time.csv shuffled.csv events.jsonl mapped.csv; do
	test_expect_success "contacts, then events ($shape): as a rebuild and as by contact" "
		load ${shape%.*} contacts $shape
		same_business ref ${shape%.*}
	"
done

test_expect_success 'mapped: the two columns that are not fields are named as ignored' '
	expect_grep "source, campaign" mapped.out
'

test_expect_success 'events alone into an empty database (contacts made from them): as a rebuild' '
	load alone none shuffled.csv
	load alone-by-contact none by-contact.csv
	same_business alone-by-contact alone
'

test_expect_success 're-importing a file stores nothing and changes nothing' '
	export FOLLOWUP_DB="$PWD/ref.db"
	fu import events shuffled.csv >out
	expect_grep " 0 events stored" out
	views again
	for v in status.json state agenda.json; do
		test_cmp ref/$v again/$v
	done
'

test_expect_success 'the last day imported on its own into the rest: as a rebuild and as one import' '
	load daily contacts base.csv day.csv
	same_business ref daily
'

test_done
