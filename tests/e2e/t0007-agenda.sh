# The agenda: one follow-up per contact with every reason, at the customer's time, never pushy.
. "$TESTS_DIR/e2e/lib.sh"

fu import contacts "$DATA/agenda-contacts.csv" >/dev/null
fu import events "$DATA/agenda-events.csv" >/dev/null
fu agenda --all --json >a.json
j() { sqlite3 :memory: "SELECT $1 FROM json_each(readfile('a.json')) AS e $2"; }
entry() { j "json_extract(e.value, '\$.$2')" "WHERE json_extract(e.value, '\$.contact') = '$1'"; }
reasons() { j "group_concat(json_extract(r.value, '\$.trigger'), ' ')" \
	", json_each(json_extract(e.value, '\$.reasons')) AS r WHERE json_extract(e.value, '\$.contact') = '$1'"; }

# three open triggers for one contact make ONE entry with every reason
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'T1'")" = 1
# (the new lead also gets the automated auto-reply saying when they will hear from us)
test "$(reasons T1)" = "new_lead new_lead info_request email_click"
test "$(entry T1 escalated)" = 1
test "$(entry T1 channel)" = call

# a buyer of about every 30 days, 70 days after the last order: lapsed, due inside business
# hours of their own zone (New York), on a weekday
reasons L1 | grep -q lapsed
due=$(entry L1 due)
local=$(TZ=America/New_York date -d "$due" +%u%H%M)
day=${local%????}
hm=${local#?}
test "$day" -le 5
test "$hm" -ge 0900
test "$hm" -lt 1700

# consent: the opted-out contact gets no automated reminder; the same history without
# the opt-out does; do-not-contact gets nothing at all
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'O1'")" = 0
test "$(reasons O2)" = invoice_overdue
test "$(entry O2 automated)" = 1
test "$(entry O2 channel)" = auto_email
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'D1'")" = 0
# every entry carries the fields scripts rely on
test "$(j "count(*)" "WHERE json_type(e.value, '\$.id') = 'text' AND json_type(e.value, '\$.due') = 'text'
	AND json_type(e.value, '\$.priority') = 'integer' AND json_type(e.value, '\$.say') = 'text'
	AND json_type(e.value, '\$.reasons[0].events') = 'array'")" = "$(j "count(*)" "")"

# rebuild, then the same agenda
fu agenda --all >before
fu rebuild >/dev/null
fu agenda --all >after
test_cmp before after

# a conversation answers every reason
id=$(entry T1 id)
fu done "$id" --outcome reached --note "wants two desks" >out
expect_grep "recorded touch" out
fu agenda --all --json >a.json
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'T1'")" = 0
# an id that is no longer open is refused
expect_fail 1 fu done "$id" --outcome reached
expect_grep "nothing is open\|has changed" err

# "not yet, check back on the 3rd" (a Thursday): a check_in due on the 3rd at their
# business opening, and nothing before it
id=$(entry C1 id)
expect_fail 1 fu done "$id" --outcome not-yet
expect_grep "needs --next" err
fu done "$id" --outcome not-yet --next 2026-12-03 >/dev/null
fu agenda --all --json >a.json
test "$(reasons C1)" = check_in
test "$(entry C1 due)" = 2026-12-02T22:00:00Z   # 09:00 on the 3rd in Sydney
fu agenda --date 2026-12-02 --json >a.json
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'C1'")" = 0
fu agenda --date 2026-12-03 --json >a.json
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'C1'")" = 1
# ... the questions they asked come back at the check-in
fu agenda --date 2026-12-03 >a.txt
expect_grep "Newcastle" a.txt
# ... and a reply before the date brings the conversation forward
fu event reply C1 --time 2026-11-26T01:00:00Z >/dev/null
fu --now 2026-11-26T02:00:00Z agenda --json >a.json
test "$(reasons C1)" = check_in

# snooze puts a follow-up off, and is not a touch the customer felt
id=$(entry O2 id)
fu snooze "$id" --until 2026-12-01 >/dev/null
fu agenda --json >a.json
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'O2'")" = 0
fu agenda --date 2026-12-01 --json >a.json
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'O2'")" = 1

# speed to lead: 15 business minutes; overdue after that, escalated to every owner
fu event lead N1 --time 2026-11-25T08:50:00Z --channel call >/dev/null
fu agenda --json >a.json
test "$(entry N1 due)" = 2026-11-25T09:15:00Z
test "$(entry N1 overdue)" = 0
printf 'key,owner,tz\nX1,ana,Europe/London\n' >x1.csv
fu import contacts x1.csv >/dev/null
fu event lead X1 --time 2026-11-25T08:50:00Z --channel call >/dev/null
fu --now 2026-11-25T09:20:00Z agenda --owner ben --json >a.json
test "$(entry N1 overdue)" = 1
test "$(entry N1 escalated)" = 1
# ... but an overdue lead that ana owns stays in ana's agenda, flagged
test "$(j "count(*)" "WHERE json_extract(e.value, '\$.contact') = 'X1'")" = 0
fu --now 2026-11-25T09:20:00Z agenda --owner ana --json >a.json
test "$(entry X1 escalated)" = 1

# the report
fu report >r.txt
expect_grep "speed to lead" r.txt
fu report --json >r.json
test "$(sqlite3 :memory: "SELECT json_extract(readfile('r.json'), '\$.speed_to_lead.answered')")" -ge 2

# the fitted lapse model is kept between runs and reused while the log is unchanged
test "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM meta WHERE key = 'lapse_model'")" = 1
fu agenda --all >first
fu agenda --all >again
test_cmp first again
model() { sqlite3 "$FOLLOWUP_DB" "SELECT json_extract(value, '\$.$1') FROM meta WHERE key = 'lapse_model'"; }
# it is fitted on the purchases before the month began (2026-11-01T00:00:00Z)
test "$(model basis.cutoff)" = 1793491200
prior=$(model prior)
test "$(model customers)" = 3
before=$(model basis.checked_event_id)
# a purchase this month is judged in L1's own rhythm at once, but the model stays: its log
# was checked up to the new event and found unchanged
fu event purchase L1 --time 2026-11-25T08:00:00Z --amount 50 >/dev/null
fu agenda --all >/dev/null
test "$(model basis.checked_event_id)" -gt "$before"
test "$(model prior)" = "$prior"
test "$(model customers)" = 3
# a purchase from before the cutoff, recorded late, makes it fit again
fu event purchase C1 --time 2026-10-20T08:00:00Z --amount 50 >/dev/null
fu agenda --all >/dev/null
test "$(model customers)" = 4
# the same model whether kept or fitted afresh: forget it, the agenda is unchanged
fu agenda --all >kept
sqlite3 "$FOLLOWUP_DB" "DELETE FROM meta WHERE key = 'lapse_model'"
fu agenda --all >fresh
test_cmp kept fresh
# next month, a new model
fu --now 2026-12-02T09:00:00Z agenda --all >/dev/null
test "$(model basis.cutoff)" = 1796083200
