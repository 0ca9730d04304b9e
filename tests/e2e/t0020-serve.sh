# followup serve: a real server on a free port of 127.0.0.1, called with curl.
# Every check is a named case ("ok N - name" / "not ok N - name: what came back, what was
# wanted"), counted by lib.sh's test_done; one server serves them all, so they are checks in
# this shell rather than test_expect_success bodies.
. "$TESTS_DIR/e2e/lib.sh"

fu import contacts "$DATA/agenda-contacts.csv" >/dev/null
fu import events "$DATA/agenda-events.csv" >/dev/null
echo 'root password 1' | fu user add root --role admin >/dev/null
echo 'ana password 12' | fu user add ana --role rep >/dev/null
printf 'ben password 12\n' >pw
fu user add ben --role rep --password-file pw >/dev/null
T_ROOT=$(fu token add --user root 2>/dev/null)
T_ANA=$(fu token add --user ana 2>/dev/null)
T_ANA_RO=$(fu token add --user ana --read-only 2>/dev/null)
T_BEN=$(fu token add --user ben 2>/dev/null)
T_CAL=$(fu token add --user ana --calendar 2>/dev/null)
T_SPARE=$(fu token add --user root 2>/dev/null) # spent by the route walk (its logout revokes it)
fu form add site --redirect https://example.com/thanks --origin https://example.com >form.out
FORM_KEY=$(sed -n 's|.*POST /f/\([^ ]*\) .*|\1|p' form.out)

"$FOLLOWUP_BIN" serve --listen 127.0.0.1:0 2>server.log &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; test_at_exit' EXIT
for i in $(seq 1 100); do
	PORT=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\) .*|\1|p' server.log)
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || { echo "not ok - the server did not start:"; cat server.log; exit 1; }
BASE="http://127.0.0.1:$PORT"

# fail NAME...: one failed case; pass NAME: one passed
fail() {
	test_count=$((test_count + 1))
	test_failed=$((test_failed + 1))
	test_failed_names="$test_failed_names
#	$test_count - $*"
	echo "not ok $test_count - $*"
}
pass() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $*"
}

# call NAME WANT METHOD PATH [curl args...]: the status must be WANT; body in ./body,
# headers in ./headers (a failure is counted; the script goes on)
call() {
	name=$1 want=$2 method=$3 path=$4
	shift 4
	got=$(curl -s -o body -D headers -w '%{http_code}' -X "$method" "$@" "$BASE$path" || true)
	if [ "$got" = "$want" ]; then
		pass "$name"
	else
		fail "$name: $method $path answered $got, wanted $want: $(head -c 300 body 2>/dev/null)"
	fi
}
json() { sqlite3 :memory: "SELECT json_extract(readfile('body'), '$1')"; }
# keep METHOD PATH STATUS: the last answer's body, checked against the OpenAPI document's
# schema for it at the end
answer_n=0
keep() {
	answer_n=$((answer_n + 1))
	cp body "answer-$answer_n.json"
	printf '%s\n%s\n%s\n%s\n' "$1" "$2" "$3" "answer-$answer_n.json" >>answers
}
# is NAME GOT WANT
is() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', wanted '$3'"; fi; }
events() { sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events"; }
A_ROOT="Authorization: Bearer $T_ROOT"
A_ANA="Authorization: Bearer $T_ANA"
A_RO="Authorization: Bearer $T_ANA_RO"
A_BEN="Authorization: Bearer $T_BEN"
JSON="Content-Type: application/json"

# ---- health, the route table and the OpenAPI document ----
call "health" 200 GET /health
is "health says ok" "$(json '$.status')" ok
keep GET /health 200
is "health lists the background jobs" "$(json '$.jobs.list[0].name')" refit
call "an unknown path is 404" 404 GET /nothing/here
call "a known path with another method is 405" 405 DELETE /api/v1/contacts
call "openapi needs a login" 401 GET /api/v1/openapi.json
call "openapi" 200 GET /api/v1/openapi.json -H "$A_ROOT"
is "openapi version" "$(json '$.openapi')" 3.1.0
cp body openapi.json
sqlite3 :memory: "SELECT upper(o.key) || ' ' || p.key, json_extract(o.value, '\$.security') IS NULL
	FROM json_each(readfile('openapi.json'), '\$.paths') p, json_each(p.value) o ORDER BY 1" \
	| tr '|' ' ' >documented
# the routes this test expects the server to answer (1: public, 0: needs a login)
cat >expected <<'EOT'
GET / 1
GET /api/v1/agenda 0
GET /api/v1/contacts 0
GET /api/v1/contacts/{key} 0
GET /api/v1/events/stream 0
GET /api/v1/followups/{id}/email 0
GET /api/v1/lapsed 0
GET /api/v1/me 0
GET /api/v1/models 0
GET /api/v1/now 0
GET /api/v1/openapi.json 0
GET /api/v1/outbox 0
GET /api/v1/playbook 0
GET /api/v1/report 0
GET /app/{path} 1
GET /c/{token} 1
GET /cal/{token}.ics 1
GET /health 1
GET /metrics 0
GET /u 1
GET /u/{token} 1
OPTIONS /f/{key} 1
POST /api/v1/contacts 0
POST /api/v1/events 0
POST /api/v1/followups/{id}/done 0
POST /api/v1/followups/{id}/email 0
POST /api/v1/followups/{id}/snooze 0
POST /api/v1/import/{kind} 0
POST /api/v1/jobs/{name}/run 0
POST /api/v1/login 1
POST /api/v1/logout 0
POST /api/v1/outbox/{id}/drop 0
POST /api/v1/outbox/{id}/resend 0
POST /api/v1/playbook/check 0
POST /api/v1/playbook/whatif 0
POST /f/{key} 1
POST /u 1
POST /u/{token} 1
PUT /api/v1/playbook 0
EOT
diff -u expected documented >routes.diff || fail "the documented routes differ from the expected ones: $(cat routes.diff)"
# every documented route is answered (the router's own 404 and 405 never come back)
while read -r method path public; do
	p=$(echo "$path" | sed 's/{[a-z]*}/x/g')
	# (-m: the live stream answers at once, then stays open)
	curl -s -m 2 -o body -w '%{http_code}' -X "$method" -H "Authorization: Bearer $T_SPARE" "$BASE$p" >code || true
	if grep -q 'no route for this path' body || [ "$(cat code)" = 405 ]; then
		fail "documented route $method $path is not answered ($(cat code))"
	fi
	# every non-public route refuses a caller without credentials
	if [ "$public" = 0 ]; then
		code=$(curl -s -o body -w '%{http_code}' -X "$method" "$BASE$p")
		is "$method $path without credentials" "$code" 401
		is "$method $path: problem+json" "$(json '$.status')" 401
	fi
done <documented
# every route that writes (x-writes in the document) refuses a read-only token, and every
# POST or PUT that needs a login refuses a web session without its CSRF token: 403 both
T_ROOT_RO=$(fu token add --user root --read-only 2>/dev/null)
sqlite3 :memory: "SELECT upper(o.key) || ' ' || p.key FROM json_each(readfile('openapi.json'), '\$.paths') p,
	json_each(p.value) o WHERE json_extract(o.value, '\$.\"x-writes\"') ORDER BY 1" >writes
grep -q '^POST /api/v1/events$' writes || fail "the document marks the routes that write (x-writes): $(cat writes)"
while read -r method path; do
	p=$(echo "$path" | sed 's/{[a-z]*}/x/g')
	code=$(curl -s -o body -w '%{http_code}' -X "$method" -H "Authorization: Bearer $T_ROOT_RO" "$BASE$p")
	is "$method $path with a read-only token" "$code $(json '$.detail')" "403 this token is read-only"
done <writes
curl -s -o body -D headers -H "$JSON" -d '{"name":"root","password":"root password 1"}' "$BASE/api/v1/login" >/dev/null
walk_cookie=$(sed -n 's/^Set-Cookie: *\(fu_session=[^;]*\);.*/\1/Ip' headers)
[ -n "$walk_cookie" ] || fail "a login for the CSRF walk: $(cat body)"
grep -E '^(POST|PUT) .* 0$' documented | grep -v '^POST /api/v1/login ' | while read -r method path public; do
	p=$(echo "$path" | sed 's/{[a-z]*}/x/g')
	code=$(curl -s -o body -w '%{http_code}' -X "$method" -H "Cookie: $walk_cookie" "$BASE$p")
	if [ "$code" != 403 ] || ! grep -q 'X-CSRF-Token' body; then
		echo "$method $path: $code $(head -c 200 body)"
	fi
done >csrf.out
is "every POST and PUT of a session without its CSRF token is refused" "$(cat csrf.out)" ""

# ---- the server-rendered pages (R_PAGE: HTML for people, not in the API's document) ----
# every route of the table is counted in /metrics: those the document leaves out are the pages
call "metrics name every route" 200 GET /metrics -H "$A_ROOT"
sed -n 's/^followup_http_requests_total{method="\([A-Z]*\)",route="\([^"]*\)"}.*/\1 \2/p' body \
	| grep -v -e ' unmatched$' -e '^GET /app/\*$' | sort >table
cut -d' ' -f1,2 documented | sort >documented.routes
comm -23 table documented.routes >pages
cat >pages.expected <<'EOT'
GET /contacts
GET /contacts/{key}
GET /import
GET /lapsed
GET /login
GET /outbox
GET /playbook
GET /report
GET /team
GET /today
GET /today/{id}/email
POST /contacts/{key}
POST /contacts/{key}/events
POST /import
POST /import/preview
POST /login
POST /logout
POST /outbox/{id}/drop
POST /outbox/{id}/resend
POST /playbook
POST /playbook/check
POST /playbook/whatif
POST /team/forms
POST /team/tokens
POST /team/tokens/{id}/revoke
POST /team/users
POST /today/{id}/done
POST /today/{id}/email
POST /today/{id}/snooze
EOT
diff -u pages.expected pages >pages.diff && pass "the pages are the expected ones" \
	|| fail "the pages differ from the expected ones: $(cat pages.diff)"
# without a login every page but the login's sends the browser to the login page
grep -v ' /login$' pages | while read -r method path; do
	p=$(echo "$path" | sed 's/{[a-z]*}/x/g')
	out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X "$method" "$BASE$p")
	case "$out" in "303 $BASE/login"*) ;; *) echo "$method $path: $out" ;; esac
done >pages-anon.out
is "every page without a login sends the browser to /login" "$(cat pages-anon.out)" ""
# a read-only token changes nothing; a session's post without the page's csrf field is refused
curl -s -o body -D headers -H "$JSON" -d '{"name":"ana","password":"ana password 12"}' "$BASE/api/v1/login" >/dev/null
ana_cookie=$(sed -n 's/^Set-Cookie: *\(fu_session=[^;]*\);.*/\1/Ip' headers)
ana_csrf=$(json '$.csrf_token')
grep '^POST' pages | grep -v ' /login$' | while read -r method path; do
	p=$(echo "$path" | sed 's/{[a-z]*}/x/g')
	code=$(curl -s -o body -w '%{http_code}' -X POST -H "$A_RO" -d 'x=1' "$BASE$p")
	[ "$code" = 403 ] || echo "$path with a read-only token: $code"
	code=$(curl -s -o body -w '%{http_code}' -X POST -H "Cookie: $ana_cookie" -d 'x=1' "$BASE$p")
	if [ "$code" != 403 ] || ! grep -q 'csrf field' body; then
		echo "$path without the csrf field: $code $(head -c 200 body)"
	fi
done >pages-csrf.out
is "every page post refuses a read-only token and a session without its csrf field" "$(cat pages-csrf.out)" ""
for p in /report /playbook /import /team; do
	call "a rep may not open the admins' page $p" 403 GET "$p" -H "Cookie: $ana_cookie"
done
call "a rep opens their own contact's page" 200 GET /contacts/L1 -H "Cookie: $ana_cookie"
call "a rep cannot open another rep's contact page" 404 GET /contacts/O1 -H "Cookie: $ana_cookie"
call "the login page" 200 GET /login
grep -q '<label for="password">Password</label>' body || fail "the login page labels its fields: $(head -c 300 body)"
call "a login from the page goes on to Today" 303 POST /login -d 'name=ana&password=ana+password+12'
grep -qi '^Location: /today' headers && grep -qi '^Set-Cookie: fu_session=' headers \
	&& pass "the page's login sets the session cookie" || fail "the page's login: $(cat headers)"
call "Today as a page" 200 GET /today -H "Cookie: $ana_cookie"
grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" headers \
	&& pass "a page has the strict CSP" || fail "a page's CSP: $(cat headers)"
n=$(events)
call "a note from the contact page" 303 POST /contacts/L1/events -H "Cookie: $ana_cookie" \
	--data-urlencode "csrf=$ana_csrf" -d 'type=touch&channel=call' --data-urlencode 'note=<b>hi</b> & bye'
is "the note is stored" "$(events)" "$((n + 1))"
call "the contact page after the note" 200 GET /contacts/L1 -H "Cookie: $ana_cookie"
grep -q '&lt;b&gt;hi&lt;/b&gt; &amp; bye' body && ! grep -q '<b>hi' body \
	&& pass "the note is shown as text" || fail "the note on the page: $(grep -o '.\{40\}hi.\{40\}' body | head -3)"

# ---- tokens and roles ----
call "a bad token" 401 GET /api/v1/me -H "Authorization: Bearer fu_nonsense"
call "a calendar token is no API token" 401 GET /api/v1/me -H "Authorization: Bearer $T_CAL"
call "me" 200 GET /api/v1/me -H "$A_ANA"
keep GET /api/v1/me 200
is "me is ana" "$(json '$.role')" rep
call "a rep reads their own contact" 200 GET /api/v1/contacts/L1 -H "$A_ANA"
call "a rep reads an unowned contact" 200 GET /api/v1/contacts/N1 -H "$A_ANA"
call "a rep cannot read another rep's contact" 404 GET /api/v1/contacts/O1 -H "$A_ANA"
call "an admin reads any contact" 200 GET /api/v1/contacts/O1 -H "$A_ROOT"
call "a rep cannot list another rep's contacts" 403 GET "/api/v1/contacts?owner=ben" -H "$A_ANA"
call "a rep's list" 200 GET "/api/v1/contacts?limit=500" -H "$A_ANA"
is "a rep's list holds own and unowned" \
	"$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.key'), ' ') FROM json_each(readfile('body'), '\$.items')")" \
	"C1 L1 N1 T1"
call "a rep cannot see another rep's agenda" 403 GET "/api/v1/agenda?owner=ben" -H "$A_ANA"
call "a rep cannot write to another rep's contact" 404 POST /api/v1/events -H "$A_BEN" -H "$JSON" \
	-d '{"type":"touch","contact":"L1","outcome":"reached","channel":"call"}'
call "a rep cannot give a contact to another rep" 403 POST /api/v1/contacts -H "$A_ANA" -H "$JSON" \
	-d '{"key":"Z1","owner":"ben"}'
call "a read-only token cannot record events" 403 POST /api/v1/events -H "$A_RO" -H "$JSON" \
	-d '{"type":"lead","contact":"RO1"}'
call "a read-only token cannot write contacts" 403 POST /api/v1/contacts -H "$A_RO" -H "$JSON" -d '{"key":"RO1"}'
call "a read-only token reads" 200 GET /api/v1/agenda -H "$A_RO"
call "metrics are for admins" 403 GET /metrics -H "$A_ANA"
call "metrics" 200 GET /metrics -H "$A_ROOT"
grep -q '^followup_http_requests_total{method="GET",route="/health"} [1-9]' body \
	|| fail "metrics count /health: $(grep health body | head -3)"

# ---- contacts ----
call "contacts: a page" 200 GET "/api/v1/contacts?limit=2" -H "$A_ROOT"
is "page of 2" "$(json '$.items[1].key')" D1
keep GET /api/v1/contacts 200
cursor=$(json '$.next_cursor')
call "contacts: the next page" 200 GET "/api/v1/contacts?limit=2&cursor=$cursor" -H "$A_ROOT"
is "the next page goes on" "$(json '$.items[0].key')" L1
call "contacts: bad limit" 400 GET "/api/v1/contacts?limit=0" -H "$A_ROOT"
call "contacts: bad stage" 400 GET "/api/v1/contacts?stage=gold" -H "$A_ROOT"
call "contacts: search" 200 GET "/api/v1/contacts?search=olga" -H "$A_ROOT"
is "search finds Olga" "$(json '$.items[0].key')" O2
call "one contact" 200 GET /api/v1/contacts/L1 -H "$A_ROOT"
is "its profile" "$(json '$.contact.name')" "Lena Lapse"
is "its state" "$(json '$.state.purchases')" 4
is "its timeline" "$(json '$.events[0].ext_id')" A1
is "its open follow-up" "$(json '$.followup.reasons[0].trigger')" lapsed
keep GET '/api/v1/contacts/{key}' 200
etag=$(sed -n 's/^ETag: *\(.*\)\r$/\1/Ip' headers)
[ -n "$etag" ] || fail "a GET carries an ETag"
call "an unchanged contact answers 304" 304 GET /api/v1/contacts/L1 -H "$A_ROOT" -H "If-None-Match: $etag"
call "no such contact" 404 GET /api/v1/contacts/NOPE -H "$A_ROOT"
call "a new contact" 201 POST /api/v1/contacts -H "$A_ANA" -H "$JSON" \
	-d '{"key":"P1","name":"Pia","email":"pia@example.com","owner":"ana","segment":"retail"}'
is "the new contact" "$(json '$.attributes.segment')" retail
keep POST /api/v1/contacts 201
call "a contact updated" 200 POST /api/v1/contacts -H "$A_ANA" -H "$JSON" -d '{"key":"P1","phone":"+1 555 0199"}'
is "the update kept the name" "$(json '$.name')" Pia
call "a contact without key" 422 POST /api/v1/contacts -H "$A_ROOT" -H "$JSON" -d '{"name":"x"}'
is "the problem points at key" "$(json '$.pointer')" /key
call "a contact with a bad zone" 422 POST /api/v1/contacts -H "$A_ROOT" -H "$JSON" -d '{"key":"P2","tz":"Mars/Base"}'
call "a contact as text" 415 POST /api/v1/contacts -H "$A_ROOT" -H "Content-Type: text/plain" -d 'key=P3'
call "a contact in broken JSON" 400 POST /api/v1/contacts -H "$A_ROOT" -H "$JSON" -d '{"key":'
call "a contact as an array" 400 POST /api/v1/contacts -H "$A_ROOT" -H "$JSON" -d '[]'

# ---- events ----
before=$(events)
call "one event" 201 POST /api/v1/events -H "$A_ANA" -H "$JSON" \
	-d '{"id":"api-w1","type":"lead","contact":"W1","time":"2026-11-25T08:00:00Z","channel":"web_form"}'
is "one stored" "$(json '$.stored')" 1
keep POST /api/v1/events 201
call "the same event again" 201 POST /api/v1/events -H "$A_ANA" -H "$JSON" \
	-d '{"id":"api-w1","type":"lead","contact":"W1","time":"2026-11-25T08:00:00Z","channel":"web_form"}'
is "nothing stored twice" "$(json '$.duplicates')" 1
is "the log grew by one" "$(events)" $((before + 1))
author() { sqlite3 "$FOLLOWUP_DB" "SELECT e.author FROM events e JOIN contacts c ON c.id = e.contact_id WHERE c.key = '$1' ORDER BY e.id DESC LIMIT 1"; }
T_ANA_ID=$(fu token list | awk -F '\t' '$2 == "ana" && $3 == "api" { sub("#", "", $1); print $1; exit }')
is "an event posted with a token is by its user and the token's id" "$(author W1)" "ana (token $T_ANA_ID)"
call "the contact's timeline" 200 GET /api/v1/contacts/W1 -H "$A_ANA"
is "the timeline says who wrote each event" "$(json '$.events[0].author')" "ana (token $T_ANA_ID)"
fu show W1 >show.out
grep -q "by ana (token $T_ANA_ID)]\$" show.out || fail "show says who wrote the event: $(tail -1 show.out)"
call "the same id with other content" 422 POST /api/v1/events -H "$A_ANA" -H "$JSON" \
	-d '{"id":"api-w1","type":"lead","contact":"W1","time":"2026-11-25T08:00:00Z"}'
is "a conflict stores nothing" "$(events)" $((before + 1))
call "a batch with a bad event" 422 POST /api/v1/events -H "$A_ROOT" -H "$JSON" \
	-d '[{"id":"api-1","type":"lead","contact":"B1"},{"id":"api-2","type":"buy","contact":"B2"},{"id":"api-3","type":"lead","contact":"B3"}]'
is "the problem points at the bad event" "$(json '$.pointer')" /1
is "a bad batch stores nothing" "$(events)" $((before + 1))
call "a batch" 201 POST /api/v1/events -H "$A_ROOT" -H "$JSON" -H "Idempotency-Key: batch-1" \
	-d '{"events":[{"id":"api-1","type":"lead","contact":"B1"},{"id":"api-3","type":"lead","contact":"B3"}]}'
is "the batch stored" "$(json '$.stored')" 2
call "the batch replayed by its key" 201 POST /api/v1/events -H "$A_ROOT" -H "$JSON" -H "Idempotency-Key: batch-1" \
	-d '{"events":[{"id":"api-1","type":"lead","contact":"B1"},{"id":"api-3","type":"lead","contact":"B3"}]}'
is "the replay answers as the first time" "$(json '$.stored')" 2
grep -qi '^Idempotent-Replayed: true' headers || fail "a replay says so in a header"
is "a replay stores nothing" "$(events)" $((before + 3))
call "the key reused with another body" 422 POST /api/v1/events -H "$A_ROOT" -H "$JSON" -H "Idempotency-Key: batch-1" \
	-d '{"events":[{"id":"api-9","type":"lead","contact":"B9"}]}'
grep -qi '^Content-Type: application/problem+json' headers || fail "the reused key's refusal is problem+json: $(cat headers)"
is "the refusal says why" "$(json '$.status') $(json '$.detail')" \
	"422 Idempotency-Key: this key was used with another body; use a new key for new events"
if grep -qi '^Idempotent-Replayed' headers; then fail "a refused key is no replay"; fi
is "a reused key stores nothing" "$(events)" $((before + 3))
call "an empty batch" 422 POST /api/v1/events -H "$A_ROOT" -H "$JSON" -d '[]'
seq 1 10001 | sed 's/.*/{"type":"lead","contact":"M&"}/' | paste -sd, | sed 's/^/[/; s/$/]/' >big.json
call "a batch over 10,000" 422 POST /api/v1/events -H "$A_ROOT" -H "$JSON" --data-binary @big.json
head -c 17000000 /dev/zero | tr '\0' ' ' >huge.json
call "a body over 16 MiB" 413 POST /api/v1/events -H "$A_ROOT" -H "$JSON" --data-binary @huge.json
call "an event that is no object" 422 POST /api/v1/events -H "$A_ROOT" -H "$JSON" -d '[1]'
call "a too long idempotency key" 400 POST /api/v1/events -H "$A_ROOT" -H "$JSON" \
	-H "Idempotency-Key: $(head -c 300 /dev/zero | tr '\0' k)" -d '{"type":"lead","contact":"K1"}'
is "refused batches store nothing" "$(events)" $((before + 3))

# ---- agenda and playbook ----
call "the agenda" 200 GET "/api/v1/agenda?all=true" -H "$A_ROOT"
[ "$(json '$.items[0].id')" != "" ] || fail "the agenda lists follow-ups: $(head -c 200 body)"
keep GET /api/v1/agenda 200
call "a rep's agenda" 200 GET "/api/v1/agenda?all=true" -H "$A_ANA"
is "a rep's agenda holds no other owner" \
	"$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('body'), '\$.items') WHERE json_extract(value, '\$.owner') NOT IN ('ana')")" 0
call "the agenda for a bad day" 400 GET "/api/v1/agenda?day=someday" -H "$A_ROOT"
# a personal e-mail from a card: its draft, to edit; this server has no send settings
call "ana's day for a person" 200 GET "/api/v1/agenda?all=true&automated=false" -H "$A_ANA"
fid=$(sqlite3 :memory: "SELECT json_extract(value, '\$.id') || ' ' || json_extract(value, '\$.email') FROM json_each(readfile('body'), '\$.items') WHERE json_extract(value, '\$.email') IS NOT NULL LIMIT 1")
femail=${fid#* }
fid=${fid%% *}
call "a personal e-mail's draft" 200 GET "/api/v1/followups/$fid/email" -H "$A_ANA"
keep GET /api/v1/followups/{id}/email 200
is "the draft goes to the contact, as a person's message" "$(json '$.to') $(json '$.message' | cut -c1)" "$femail p"
call "another rep's follow-up has no draft for ben" 404 GET "/api/v1/followups/$fid/email" -H "$A_BEN"
call "a send without send settings" 422 POST "/api/v1/followups/$fid/email" -H "$A_ANA" -H "$JSON" -d '{"text":"hi"}'
is "it says why" "$(json '$.detail')" "this server cannot send e-mail: it has no send settings (smtp_url; see 'followup send')"
call "the e-mail page" 200 GET "/today/$fid/email" -H "$A_ANA"
grep -q '<label for="em-text">Text</label>' body || fail "the e-mail page labels its text: $(head -c 300 body)"
call "the agenda, automated only" 200 GET "/api/v1/agenda?all=true&automated=true" -H "$A_ROOT"
is "only automated" "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('body'), '\$.items') WHERE json_extract(value, '\$.automated') = 0")" 0
call "the agenda, bad automated" 400 GET "/api/v1/agenda?automated=maybe" -H "$A_ROOT"
call "the playbook" 200 GET /api/v1/playbook -H "$A_ANA"
is "the built-in playbook" "$(json '$.name')" built-in
keep GET /api/v1/playbook 200
sqlite3 :memory: "SELECT json_extract(readfile('body'), '\$.yaml')" >playbook.yaml
call "a rep cannot change the playbook" 403 PUT /api/v1/playbook -H "$A_ANA" -H "Content-Type: application/yaml" --data-binary @playbook.yaml
printf 'limits:\n  touches_per_week: [\n' >bad.yaml
call "a broken playbook" 422 PUT /api/v1/playbook -H "$A_ROOT" -H "Content-Type: application/yaml" --data-binary @bad.yaml
[ "$(json '$.line')" -ge 1 ] || fail "a playbook error names its line: $(cat body)"
is "a broken playbook changes nothing" "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM meta WHERE key = 'playbook'")" 0
call "a playbook put in effect" 200 PUT /api/v1/playbook -H "$A_ROOT" -H "Content-Type: application/yaml" --data-binary @playbook.yaml
keep PUT /api/v1/playbook 200
is "the playbook kept" "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM meta WHERE key = 'playbook'")" 1
call "back to the built-in playbook" 200 PUT /api/v1/playbook -H "$A_ROOT" -H "$JSON" -d '{"yaml":null}'
call "a playbook of the wrong kind" 422 PUT /api/v1/playbook -H "$A_ROOT" -H "$JSON" -d '{"yaml":3}'
call "a rep cannot check a playbook" 403 POST /api/v1/playbook/check -H "$A_ANA" -H "Content-Type: application/yaml" --data-binary @playbook.yaml
call "a rep cannot replay a playbook" 403 POST /api/v1/playbook/whatif -H "$A_ANA" -H "Content-Type: application/yaml" --data-binary @playbook.yaml
kept=$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM meta WHERE key = 'playbook'")
call "a broken playbook checked" 200 POST /api/v1/playbook/check -H "$A_ROOT" -H "Content-Type: application/yaml" --data-binary @bad.yaml
is "the check says it is not ok" "$(json '$.ok')" 0
[ "$(json '$.errors[0].line')" -ge 1 ] || fail "a checked playbook's error names its line: $(cat body)"
is "a check keeps nothing" "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM meta WHERE key = 'playbook'")" "$kept"
call "a good playbook checked" 200 POST /api/v1/playbook/check -H "$A_ROOT" -H "$JSON" -d "$(sqlite3 :memory: "SELECT json_object('yaml', CAST(readfile('playbook.yaml') AS TEXT))")"
is "the check says ok" "$(json '$.ok')" 1
call "the what-if of the same playbook" 200 POST /api/v1/playbook/whatif -H "$A_ROOT" -H "Content-Type: application/yaml" --data-binary @playbook.yaml
is "thirty days" "$(sqlite3 :memory: "SELECT json_array_length(readfile('body'), '\$.days')")" 30
is "the same playbook: the same last day" "$(json '$.days[29].old.personal')" "$(json '$.days[29].new.personal')"
call "the what-if of a broken playbook" 422 POST /api/v1/playbook/whatif -H "$A_ROOT" -H "Content-Type: application/yaml" --data-binary @bad.yaml
[ "$(json '$.line')" -ge 1 ] || fail "the what-if names the error's line: $(cat body)"

# ---- done and snooze ----
call "ana's agenda" 200 GET "/api/v1/agenda?all=true" -H "$A_ANA"
f_l1=$(sqlite3 :memory: "SELECT json_extract(value, '\$.id') FROM json_each(readfile('body'), '\$.items') WHERE json_extract(value, '\$.contact') = 'L1'")
f_t1=$(sqlite3 :memory: "SELECT json_extract(value, '\$.id') FROM json_each(readfile('body'), '\$.items') WHERE json_extract(value, '\$.contact') = 'T1'")
[ -n "$f_l1" ] && [ -n "$f_t1" ] || fail "ana's agenda has L1 and T1: $(head -c 300 body)"
call "another rep cannot record ana's follow-up" 404 POST "/api/v1/followups/$f_l1/done" -H "$A_BEN" -H "$JSON" -d '{"outcome":"reached"}'
call "done without outcome" 422 POST "/api/v1/followups/$f_l1/done" -H "$A_ANA" -H "$JSON" -d '{}'
call "done with an unknown outcome" 422 POST "/api/v1/followups/$f_l1/done" -H "$A_ANA" -H "$JSON" -d '{"outcome":"great"}'
call "done with snoozed" 422 POST "/api/v1/followups/$f_l1/done" -H "$A_ANA" -H "$JSON" -d '{"outcome":"snoozed"}'
call "not-yet without its date" 422 POST "/api/v1/followups/$f_l1/done" -H "$A_ANA" -H "$JSON" -d '{"outcome":"not-yet"}'
call "a malformed follow-up id" 404 POST "/api/v1/followups/nonsense/done" -H "$A_ANA" -H "$JSON" -d '{"outcome":"reached"}'
call "done" 201 POST "/api/v1/followups/$f_l1/done" -H "$A_ANA" -H "$JSON" -d '{"outcome":"reached","note":"they will order next week"}'
keep POST '/api/v1/followups/{id}/done' 201
is "done records a touch" "$(sqlite3 "$FOLLOWUP_DB" "SELECT outcome || ' ' || note FROM events WHERE id = $(json '$.event')")" "reached they will order next week"
is "done is by the rep's token" "$(sqlite3 "$FOLLOWUP_DB" "SELECT author FROM events WHERE id = $(json '$.event')")" "ana (token $T_ANA_ID)"
code=$(curl -s -o body -w '%{http_code}' -X POST -H "$A_ANA" -H "$JSON" -d '{"outcome":"reached"}' "$BASE/api/v1/followups/$f_l1/done")
case $code in 409|422) ;; *) fail "the same follow-up twice: $code $(cat body)" ;; esac
call "snooze without until" 422 POST "/api/v1/followups/$f_t1/snooze" -H "$A_ANA" -H "$JSON" -d '{}'
call "snooze" 201 POST "/api/v1/followups/$f_t1/snooze" -H "$A_ANA" -H "$JSON" -d '{"until":"2026-12-01"}'
keep POST '/api/v1/followups/{id}/snooze' 201
is "snooze records a snoozed touch" "$(sqlite3 "$FOLLOWUP_DB" "SELECT outcome FROM events WHERE id = $(json '$.event')")" snoozed
call "a read-only token cannot snooze" 403 POST "/api/v1/followups/$f_t1/snooze" -H "$A_RO" -H "$JSON" -d '{"until":"2026-12-02"}'

# ---- a login session with its CSRF token ----
call "a wrong password" 401 POST /api/v1/login -H "$JSON" -d '{"name":"ana","password":"wrong password"}'
call "a login without password" 400 POST /api/v1/login -H "$JSON" -d '{"name":"ana"}'
call "a login" 200 POST /api/v1/login -H "$JSON" -d '{"name":"ana","password":"ana password 12"}'
csrf=$(json '$.csrf_token')
keep POST /api/v1/login 200
cookie=$(sed -n 's/^Set-Cookie: *\(fu_session=[^;]*\);.*/\1/Ip' headers)
grep -i '^Set-Cookie:' headers | grep -q 'HttpOnly; SameSite=Strict' || fail "the cookie is HttpOnly and SameSite"
call "a session reads" 200 GET /api/v1/me -H "Cookie: $cookie"
is "the session's csrf" "$(json '$.csrf_token')" "$csrf"
call "a session's post without its CSRF token" 403 POST /api/v1/events -H "Cookie: $cookie" -H "$JSON" \
	-d '{"type":"lead","contact":"S1"}'
call "a session's post with a wrong CSRF token" 403 POST /api/v1/events -H "Cookie: $cookie" -H "$JSON" \
	-H "X-CSRF-Token: fu_wrong" -d '{"type":"lead","contact":"S1"}'
call "a session's post with its CSRF token" 201 POST /api/v1/events -H "Cookie: $cookie" -H "$JSON" \
	-H "X-CSRF-Token: $csrf" -d '{"type":"lead","contact":"S1"}'
is "an event posted in a web session is by its user" "$(author S1)" ana
call "logout" 200 POST /api/v1/logout -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf"
call "a session after logout" 401 GET /api/v1/me -H "Cookie: $cookie"

# ---- the web form ----
before=$(events)
call "a web form post" 303 POST "/f/$FORM_KEY" \
	--data-urlencode 'name=Wendy Web' --data-urlencode 'email=Wendy@Example.com' \
	--data-urlencode 'message=Can you quote 200 units?' --data-urlencode 'website='
grep -qi '^Location: https://example.com/thanks' headers || fail "the form redirects to its thank-you page"
is "a web form's lead is by the form" "$(author wendy@example.com)" form:site
is "the lead is stored" "$(sqlite3 "$FOLLOWUP_DB" "SELECT e.channel || ' ' || e.note FROM events e JOIN contacts c ON c.id = e.contact_id WHERE c.key = 'wendy@example.com'")" \
	"web_form Can you quote 200 units?"
call "the form's lead is on the agenda at once" 200 GET "/api/v1/agenda" -H "$A_ROOT"
sqlite3 :memory: "SELECT json_extract(value, '\$.contact') FROM json_each(readfile('body'), '\$.items')" | grep -qx 'wendy@example.com' \
	|| fail "the web lead is not on today's agenda"
call "a form post by fetch" 200 POST "/f/$FORM_KEY" -H "$JSON" -H "Origin: https://example.com" \
	-d '{"name":"Fred","email":"fred@example.com"}'
grep -qi '^Access-Control-Allow-Origin: https://example.com' headers || fail "CORS for the form's own site"
call "a form post from another site gets no CORS" 200 POST "/f/$FORM_KEY" -H "$JSON" -H "Origin: https://evil.example" \
	-d '{"email":"gus@example.com"}'
grep -qi '^Access-Control-Allow-Origin' headers && fail "no CORS for another site"
is "three leads" "$(events)" $((before + 3))
call "the honeypot filled" 422 POST "/f/$FORM_KEY" --data-urlencode 'email=bot@example.com' --data-urlencode 'website=http://spam'
call "a form post in the wrong type" 415 POST "/f/$FORM_KEY" -H "Content-Type: text/plain" -d 'email=x@example.com'
head -c 20000 /dev/zero | tr '\0' a >bigform
call "a huge form post" 413 POST "/f/$FORM_KEY" --data-urlencode "message@bigform" --data-urlencode 'email=big@example.com'
call "a form post without e-mail" 422 POST "/f/$FORM_KEY" --data-urlencode 'name=Nobody'
call "no such form" 404 POST "/f/fu_nosuchform" --data-urlencode 'email=x@example.com'
is "refused form posts store nothing" "$(events)" $((before + 3))
fu form show site >snippet.html
grep -q "action=\"http://127.0.0.1:8080/f/$FORM_KEY\"" snippet.html || fail "form show prints the form's action"
grep -q 'name="website"' snippet.html || fail "form show prints the honeypot"

# ---- the calendar feed ----
call "the calendar feed" 200 GET "/cal/$T_CAL.ics"
grep -qi '^Content-Type: text/calendar' headers || fail "the feed is text/calendar"
/usr/bin/python3 - <<'EOT' || fail "the calendar feed does not parse as iCalendar"
import icalendar
cal = icalendar.Calendar.from_ical(open('body', 'rb').read())
events = [c for c in cal.walk('VEVENT')]
assert events, 'no VEVENT'
for e in events:
    assert e.get('UID') and e.get('DTSTART') and e.get('SUMMARY'), e
print(len(events), 'events')
EOT
call "an unknown calendar" 404 GET "/cal/fu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics"
call "an API token is no calendar token" 404 GET "/cal/$T_ANA.ics"

# ---- import bodies: as followup import, all or nothing ----
CSV="Content-Type: text/csv"
NDJSON="Content-Type: application/x-ndjson"
printf 'key,name,email,owner,segment\nI1,Ida Import,ida@example.com,ana,retail\nI2,Ivo Import,ivo@example.com,,trade\n' >imp-contacts.csv
call "import contacts from a CSV body" 201 POST /api/v1/import/contacts -H "$A_ROOT" -H "$CSV" --data-binary @imp-contacts.csv
is "two contacts written" "$(json '$.stored') $(json '$.contacts_new')" "2 2"
keep POST '/api/v1/import/{kind}' 201
is "extra columns are attributes" "$(sqlite3 "$FOLLOWUP_DB" "SELECT json_extract(attrs, '\$.segment') FROM contacts WHERE key = 'I2'")" trade
before=$(events)
printf '{"id":"imp-1","type":"lead","contact":"I1","time":"2026-11-24T10:00:00Z"}\n{"id":"imp-2","type":"purchase","contact":"I2","time":"2026-11-20T10:00:00Z","amount":"99.50"}\n' >imp-events.jsonl
call "import events from a JSON Lines body" 201 POST /api/v1/import/events -H "$A_ROOT" -H "$NDJSON" --data-binary @imp-events.jsonl
is "two events stored" "$(json '$.stored')" 2
T_ROOT_ID=$(fu token list | awk -F '\t' '$2 == "root" && $3 == "api" { sub("#", "", $1); print $1; exit }')
is "an imported event is by the admin's token" "$(author I2)" "root (token $T_ROOT_ID)"
call "the same body again stores nothing twice" 201 POST /api/v1/import/events -H "$A_ROOT" -H "$NDJSON" --data-binary @imp-events.jsonl
is "both already stored" "$(json '$.duplicates')" 2
printf 'ref;kind;who;when\nO-9;purchase;I1;20261120\n' >imp-mapped.csv
call "import with the CLI's mapping options" 201 POST "/api/v1/import/events?separator=semicolon&map=id=ref,type=kind,contact=who,time=when&date_format=%25Y%25m%25d" \
	-H "$A_ROOT" -H "$CSV" --data-binary @imp-mapped.csv
is "the mapped row stored" "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events WHERE ext_id = 'O-9'")" 1
printf 'I1 lead 2026-11-24T11:00:00Z\n' >imp-ws.txt
call "import without a header, by position, format named" 201 POST "/api/v1/import/events?format=csv&separator=whitespace&header=no&map=contact=1,type=2,time=3" \
	-H "$A_ROOT" --data-binary @imp-ws.txt
before=$(events)
printf 'id,type,contact,time\nimp-3,lead,I1,2026-11-24T12:00:00Z\nimp-4,buy,I1,2026-11-24T12:00:00Z\n' >imp-bad.csv
call "a CSV body with a bad row" 422 POST /api/v1/import/events -H "$A_ROOT" -H "$CSV" --data-binary @imp-bad.csv
is "the problem names the line" "$(json '$.line')" 3
is "the problem names the column (its place in the line)" "$(json '$.column')" 7
is "the problem names the field" "$(json '$.field')" type
printf '{"id":"imp-5","type":"lead","contact":"I1","time":"2026-11-24T12:00:00Z"}\n{"id":"imp-6",\n' >imp-bad.jsonl
call "a JSON Lines body with a broken line" 422 POST /api/v1/import/events -H "$A_ROOT" -H "$NDJSON" --data-binary @imp-bad.jsonl
is "the broken line is named" "$(json '$.line')" 2
call "a bad mapping" 422 POST "/api/v1/import/events?map=kind=type" -H "$A_ROOT" -H "$CSV" --data-binary @imp-bad.csv
is "refused imports store nothing" "$(events)" "$before"
call "an import in another media type" 415 POST /api/v1/import/events -H "$A_ROOT" -H "$JSON" --data-binary @imp-events.jsonl
call "an import of something else" 404 POST /api/v1/import/invoices -H "$A_ROOT" -H "$CSV" --data-binary @imp-bad.csv
call "an import with a bad format" 400 POST "/api/v1/import/events?format=xml" -H "$A_ROOT" --data-binary @imp-bad.csv
call "an import with a bad separator" 400 POST "/api/v1/import/events?separator=ab" -H "$A_ROOT" -H "$CSV" --data-binary @imp-bad.csv
call "an import with a bad header value" 400 POST "/api/v1/import/events?header=maybe" -H "$A_ROOT" -H "$CSV" --data-binary @imp-bad.csv
call "a type for contacts" 400 POST "/api/v1/import/contacts?type=lead" -H "$A_ROOT" -H "$CSV" --data-binary @imp-contacts.csv
call "an empty import" 400 POST /api/v1/import/events -H "$A_ROOT" -H "$CSV" --data-binary @/dev/null
call "a rep may not import" 403 POST /api/v1/import/events -H "$A_ANA" -H "$CSV" --data-binary @imp-bad.csv
call "an import body over 64 MiB" 413 POST /api/v1/import/events -H "$A_ROOT" -H "$CSV" -H "Content-Length: 67108865" --max-time 10 -d x
is "refused imports store nothing" "$(events)" "$before"

# ---- the outbox and the models: as followup outbox and followup model show ----
call "the outbox" 200 GET /api/v1/outbox -H "$A_ROOT"
keep GET /api/v1/outbox 200
fu outbox --json >outbox-cli.json
is "the outbox lists what followup outbox lists" \
	"$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.id') || ':' || json_extract(value, '\$.state'), ' ') FROM json_each(readfile('body'), '\$.items')")" \
	"$(sqlite3 :memory: "SELECT group_concat(json_extract(value, '\$.id') || ':' || json_extract(value, '\$.state'), ' ') FROM json_each(readfile('outbox-cli.json'))")"
queued=$(json '$.counts.queued')
[ "$queued" -ge 1 ] || fail "the outbox has queued messages: $(head -c 300 body)"
call "a message not taken yet cannot be dropped" 404 POST "/api/v1/outbox/$(json '$.items[0].id')/drop" -H "$A_ROOT"
# one message taken: the CLI's sender finds no mail server, so it is deferred
FOLLOWUP_SMTP_URL=smtp://127.0.0.1:9 FOLLOWUP_MAIL_FROM=hello@example.com FOLLOWUP_SMTP_TLS=none \
	FOLLOWUP_SEND_CONFIG= HOME=$PWD fu send >send.out || fail "followup send: $(cat send.out)"
call "the outbox by state" 200 GET "/api/v1/outbox?state=deferred" -H "$A_ROOT"
msg=$(json '$.items[0].id')
[ "$(json '$.counts.deferred')" -ge 1 ] || fail "a message is deferred: $(cat send.out)"
call "the outbox with a bad state" 400 GET "/api/v1/outbox?state=lost" -H "$A_ROOT"
call "a rep's outbox" 200 GET /api/v1/outbox -H "$A_BEN"
is "a rep's outbox holds only what they see" \
	"$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('body'), '\$.items') WHERE json_extract(value, '\$.contact') IN ('O1', 'L1', 'C1', 'T1')")" 0
call "a rep may not drop a message" 403 POST "/api/v1/outbox/$msg/drop" -H "$A_BEN"
call "a read-only token may not resend" 403 POST "/api/v1/outbox/$msg/resend" -H "$A_RO"
call "an unknown message" 404 POST /api/v1/outbox/fu-nothing/drop -H "$A_ROOT"
call "drop the deferred message" 200 POST "/api/v1/outbox/$msg/drop" -H "$A_ROOT"
keep POST '/api/v1/outbox/{id}/drop' 200
fu outbox --json >outbox-cli.json
is "it is dropped" "$(sqlite3 :memory: "SELECT json_extract(value, '\$.state') FROM json_each(readfile('outbox-cli.json')) WHERE json_extract(value, '\$.id') = '$msg'")" dropped
is "the drop is by the admin's token" "$(sqlite3 "$FOLLOWUP_DB" "SELECT author FROM events WHERE type = 11 AND ref = '$msg' ORDER BY id DESC LIMIT 1")" "root (token $T_ROOT_ID)"
call "drop it again" 409 POST "/api/v1/outbox/$msg/drop" -H "$A_ROOT"
call "resend the dropped message" 200 POST "/api/v1/outbox/$msg/resend" -H "$A_ROOT"
keep POST '/api/v1/outbox/{id}/resend' 200
call "the outbox after the resend" 200 GET "/api/v1/outbox?state=queued" -H "$A_ROOT"
is "it goes again" "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('body'), '\$.items') WHERE json_extract(value, '\$.id') = '$msg'")" 1
fu outbox --json >outbox-cli.json
call "metrics with the outbox" 200 GET /metrics -H "$A_ROOT"
is "metrics count the message asked for again" "$(sed -n 's/^followup_outbox_messages{state="queued"} //p' body)" 1
is "metrics count the deferred messages" "$(sed -n 's/^followup_outbox_messages{state="deferred"} //p' body)" \
	"$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('outbox-cli.json')) WHERE json_extract(value, '\$.state') = 'deferred'")"
call "the models" 200 GET /api/v1/models -H "$A_ANA"
keep GET /api/v1/models 200
is "no model kept yet" "$(json '$.model')" ""

# ---- the CLI works while the server runs; backup ----
fu event lead CLI1 --note 'from the command line' >/dev/null || fail "a CLI write while the server runs"
is "an event written with the CLI is by its OS user" "$(author CLI1)" "cli:$(id -un)"
fu backup copy.db >/dev/null || fail "backup while the server runs"
is "the backup holds every event" "$(sqlite3 copy.db 'SELECT count(*) FROM events')" "$(events)"
expect_fail 1 fu backup copy.db

# ---- throttled logins (last: they lock 127.0.0.1 out of logging in) ----
# one failed login from this address so far: four more make five
for i in 1 2 3 4; do
	call "failed login $i" 401 POST /api/v1/login -H "$JSON" -d '{"name":"ben","password":"nope nope"}'
done
call "a sixth failed login is throttled" 429 POST /api/v1/login -H "$JSON" -d '{"name":"ben","password":"nope nope"}'
grep -qi '^Retry-After: [1-9]' headers || fail "a throttled login says when to retry"
call "even the right password waits" 429 POST /api/v1/login -H "$JSON" -d '{"name":"ben","password":"ben password 12"}'

# ---- form flood: the tenth post from one address in ten minutes is the last ----
n=0
while [ $n -lt 12 ]; do
	code=$(curl -s -o body -w '%{http_code}' -X POST "$BASE/f/$FORM_KEY" --data-urlencode "email=f$n@example.com")
	[ "$code" = 429 ] && break
	n=$((n + 1))
done
is "a flood from one address is refused" "$code" 429

# ---- the OpenAPI document: a standard validator (tests/openapi, installed by make deps),
# then the answers kept above against the schemas it gives for them ----
if [ -d "$TESTS_DIR/openapi/node_modules/@apidevtools/swagger-parser" ]; then
	xargs -d '\n' node "$TESTS_DIR/openapi/validate.js" openapi.json <answers >validate.out 2>&1 || true
	while read -r line; do
		case $line in
		"ok - "*) pass "openapi: ${line#ok - }" ;;
		*) fail "openapi: ${line#not ok - }" ;;
		esac
	done <validate.out
	grep -q '^ok - the document is valid' validate.out || fail "openapi: the validator did not run: $(head -5 validate.out)"
else
	fail "openapi: the validator is not installed (make deps: npm ci in tests/openapi)"
fi

# ---- the log: one line per request, no secrets; SIGTERM stops it cleanly ----
kill -TERM $SERVER
wait $SERVER || fail "the server exited with status $? on SIGTERM"
trap test_at_exit EXIT
grep -q '^GET /api/v1/me 200 [0-9.]*ms ana$' server.log || fail "the log names method, path, status, time, user"
grep -q 'stopped on signal' server.log || fail "the server says it stopped"
for secret in "$T_ROOT" "$T_ANA" "$T_CAL" "$csrf" "ana password 12"; do
	grep -qF -- "$secret" server.log && fail "a secret is in the log"
done
grep -q '^GET /cal/{token}.ics 200' server.log || fail "the calendar's token is masked in the log"

test_done
