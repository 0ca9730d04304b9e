# The agenda over time: working it (done, not-yet, snooze), rebuilds, the report and the kept
# lapse model. What one agenda shows for a timeline (every trigger, merging, consent, the
# pressure budget, escalation) is checked by the scenarios in tests/cases/.
. "$TESTS_DIR/e2e/lib.sh"

j() { sqlite3 :memory: "SELECT $1 FROM json_each(readfile('a.json')) AS e $2"; }
entry() { j "json_extract(e.value, '\$.$2')" "WHERE json_extract(e.value, '\$.contact') = '$1'"; }
reasons() { j "group_concat(json_extract(r.value, '\$.trigger'), ' ')" \
	", json_each(json_extract(e.value, '\$.reasons')) AS r WHERE json_extract(e.value, '\$.contact') = '$1'"; }
entries() { j "count(*)" "WHERE json_extract(e.value, '\$.contact') = '$1'"; }

test_expect_success 'setup: the scenario contacts and events' '
	fu import contacts "$DATA/agenda-contacts.csv" >/dev/null
	fu import events "$DATA/agenda-events.csv" >/dev/null
	fu agenda --all --json >a.json
'

test_expect_success 'every entry carries the fields scripts rely on' - <<\EOT
	expect_eq "$(j "count(*)" "WHERE json_type(e.value, '\$.id') = 'text' AND json_type(e.value, '\$.due') = 'text'
		AND json_type(e.value, '\$.priority') = 'integer' AND json_type(e.value, '\$.say') = 'text'
		AND json_type(e.value, '\$.reasons[0].events') = 'array'")" "$(j "count(*)" "")" "complete entries"
EOT

test_expect_success 'rebuild, then the same agenda' '
	fu agenda --all >before
	fu rebuild >/dev/null
	fu agenda --all >after
	test_cmp before after
'

test_expect_success 'a conversation answers every reason; its id is then refused' '
	id=$(entry T1 id)
	fu done "$id" --outcome reached --note "wants two desks" >out
	expect_grep "recorded touch" out
	fu agenda --all --json >a.json
	expect_eq "$(entries T1)" 0 "T1 entries"
	expect_fail 1 fu done "$id" --outcome reached
	expect_grep "nothing is open\|has changed" err
'

test_expect_success 'not-yet needs --next' '
	expect_fail 1 fu done "$(entry C1 id)" --outcome not-yet
	expect_grep "needs --next" err
'

test_expect_success '"check back on the 3rd": a check_in due on the 3rd at their opening' '
	fu done "$(entry C1 id)" --outcome not-yet --next 2026-12-03 >/dev/null
	fu agenda --all --json >a.json
	expect_eq "$(reasons C1)" check_in reasons
	expect_eq "$(entry C1 due)" 2026-12-02T22:00:00Z due   # 09:00 on the 3rd in Sydney
'

test_expect_success '... and nothing before it' '
	fu agenda --date 2026-12-02 --json >a.json
	expect_eq "$(entries C1)" 0 "entries on the 2nd"
	fu agenda --date 2026-12-03 --json >a.json
	expect_eq "$(entries C1)" 1 "entries on the 3rd"
'

test_expect_success '... the questions they asked come back at the check-in' '
	fu agenda --date 2026-12-03 >a.txt
	expect_grep "Newcastle" a.txt
'

test_expect_success '... and a reply before the date brings the conversation forward' '
	fu event reply C1 --time 2026-11-26T01:00:00Z >/dev/null
	fu --now 2026-11-26T02:00:00Z agenda --json >a.json
	expect_eq "$(reasons C1)" "reply check_in" "reasons (the reply now, the check-in as agreed)"
'

test_expect_success 'snooze puts a follow-up off, and is not a touch the customer felt' '
	fu agenda --all --json >a.json
	fu snooze "$(entry O2 id)" --until 2026-12-01 >/dev/null
	fu agenda --json >a.json
	expect_eq "$(entries O2)" 0 "entries today"
	fu agenda --date 2026-12-01 --json >a.json
	expect_eq "$(entries O2)" 1 "entries on the 1st"
'

test_expect_success 'the report: speed to lead' - <<\EOT
	fu report >r.txt
	expect_grep "speed to lead" r.txt
	fu report --json >r.json
	test "$(json_get r.json '$.speed_to_lead.answered')" -ge 2
EOT

model() { sqlite3 "$FOLLOWUP_DB" "SELECT json_extract(value, '\$.$1') FROM meta WHERE key = 'lapse_model'"; }

test_expect_success 'the fitted lapse model is kept, and reused while the log is unchanged' - <<\EOT
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM meta WHERE key = 'lapse_model'")" 1 "kept models"
	fu agenda --all >first
	fu agenda --all >again
	test_cmp first again
	# it is fitted on the purchases before the month began (2026-11-01T00:00:00Z)
	expect_eq "$(model basis.cutoff)" 1793491200 cutoff
	expect_eq "$(model customers)" 3 customers
EOT

test_expect_success 'a purchase this month keeps the model; its log is checked up to it' - <<\EOT
	# it is judged in L1's own rhythm at once, but the model stays: its log was checked up
	# to the new event and found unchanged
	prior=$(model prior)
	before=$(model basis.checked_event_id)
	fu event purchase L1 --time 2026-11-25T08:00:00Z --amount 50 >/dev/null
	fu agenda --all >/dev/null
	test "$(model basis.checked_event_id)" -gt "$before"
	expect_eq "$(model prior)" "$prior" prior
	expect_eq "$(model customers)" 3 customers
EOT

test_expect_success 'a purchase from before the cutoff, recorded late, makes it fit again' '
	fu event purchase C1 --time 2026-10-20T08:00:00Z --amount 50 >/dev/null
	fu agenda --all >/dev/null
	expect_eq "$(model customers)" 4 customers
'

test_expect_success 'the same agenda whether the model is kept or fitted afresh' - <<\EOT
	fu agenda --all >kept
	sqlite3 "$FOLLOWUP_DB" "DELETE FROM meta WHERE key = 'lapse_model'"
	fu agenda --all >fresh
	test_cmp kept fresh
EOT

test_expect_success 'next month, a new model' '
	fu --now 2026-12-02T09:00:00Z agenda --all >/dev/null
	expect_eq "$(model basis.cutoff)" 1796083200 cutoff
'

test_expect_success 'an agenda with nothing in it is an empty list' '
	fu agenda --owner nobody-at-all --json >a.json
	echo "[]" >expect
	test_cmp expect a.json
'

test_expect_success 'a stored rule that a stricter check refuses is left out and said; the other rules still work' - <<\EOT
	fu playbook show | sed 1d >pb.yaml
	fu playbook use pb.yaml >/dev/null
	fu agenda --all --json >before.json
	n=$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('before.json'))")
	test "$n" -gt 0
	# what an older version kept and this one refuses: a rule whose condition names a field it no longer knows
	cat pb.yaml - >bad.yaml <<'YAML'
  - trigger: new_lead
    name: gone field
    when: shoe_size > 3
    action: call
    say: "Hello"
YAML
	expect_fail 1 fu playbook check bad.yaml
	sqlite3 "$FOLLOWUP_DB" "UPDATE meta SET value = CAST(readfile('bad.yaml') AS TEXT) WHERE key = 'playbook'"
	fu agenda --all --json >after.json 2>warn
	expect_grep "warning: a playbook rule is left out: stored playbook:[0-9]*:[0-9]*: rules\[[0-9]*\].when: .*shoe_size" warn
	test_cmp before.json after.json
	fu agenda --all >text
	expect_grep "^1 rule of the stored playbook is left out: it no longer passes the check" text
	fu agenda --all --json --with-errors >with.json
	expect_eq "$(json_get with.json '$.skipped_rules[0]' | grep -c shoe_size)" 1 "skipped_rules in JSON"
	fu playbook use --default >/dev/null
EOT

test_expect_success 'a stored playbook none of whose rules pass fails the agenda with the reason' - <<\EOT
	cat >only-bad.yaml <<'YAML'
rules:
  - trigger: new_lead
    when: shoe_size > 3
    action: call
    say: "Hello"
YAML
	fu playbook use --default >/dev/null
	sqlite3 "$FOLLOWUP_DB" "INSERT OR REPLACE INTO meta (key, value) VALUES ('playbook', CAST(readfile('only-bad.yaml') AS TEXT))"
	expect_fail 1 fu agenda --all
	expect_grep "no rule passes the check (the first: stored playbook:3:11: rules\[0\].when: .*shoe_size" err
	sqlite3 "$FOLLOWUP_DB" "DELETE FROM meta WHERE key = 'playbook'"
EOT

test_done
