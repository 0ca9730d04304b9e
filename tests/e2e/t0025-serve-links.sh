# Issue 11: the links of a sent e-mail through the server. With app_url set, each link of the
# text goes through /c/TOKEN (signed: a forged or changed token is a 404 and stores nothing);
# a click records one email_click and redirects (303) to the link; a HEAD (a link scanner)
# records nothing. The unsubscribe link is the server's /u?token= (also answered as
# /u/TOKEN): GET shows a page to confirm, POST (the button, or an RFC 8058 one-click post with
# no login and no CSRF token) records the opt-out.
. "$TESTS_DIR/e2e/lib.sh"
. "$TESTS_DIR/e2e/smtp-lib.sh"
. "$TESTS_DIR/e2e/serve-lib.sh"
start_smtpd smtp

cat >pb.yaml <<'YAML'
business:
  name: Northwind Supplies
  hours: mon-fri 09:00-17:00
  quiet_hours: "20:00-08:00"
rules:
  - name: bring something useful after a long silence
    trigger: silence
    action: auto_email
    priority: 20
    say: "Hi {{first_name|there}}, the new catalogue is at https://shop.example/catalogue?from=mail&x=1. Questions? See (https://shop.example/help)."
YAML
printf 'key,name,email,owner,tz\nU1,Una Unsub,una@example.com,ana,Europe/London\nU2,Uli Other,uli@example.com,ana,Europe/London\n' >contacts.csv
printf 'id,type,contact,time,amount\nP1,purchase,U1,2026-09-01T10:00:00Z,30.00\nP2,purchase,U2,2026-09-02T10:00:00Z,30.00\n' >events.csv
fu init >/dev/null
fu playbook use pb.yaml >/dev/null
fu import contacts contacts.csv >/dev/null
fu import events events.csv >/dev/null
serve_start
SERVER_PIDS="$SERVER_PIDS $SERVER"
export FOLLOWUP_APP_URL="$BASE/"
clicks() { sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events WHERE type = 2"; }

test_expect_success 'the e-mails go out with their links through the server' - <<\EOT
	fu send >out
	expect_grep "^2 sent" out
	una=$(grep -l 'To: Una Unsub' smtp/msg-*.eml)
	python3 -c 'import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
print(m.get_body(("plain",)).get_content())' "$una" >una.txt
	cat una.txt
	expect_grep "catalogue is at $BASE/c/c[0-9]*-[0-9a-f]\{16\}-0-[0-9a-f]\{32\}\. Questions" una.txt
	expect_grep "See ($BASE/c/c[0-9]*-[0-9a-f]\{16\}-1-[0-9a-f]\{32\})\." una.txt
	# the unsubscribe link is the server's page
	expect_grep "^List-Unsubscribe: <$BASE/u?token=[0-9]*-e-[0-9a-f]\{32\}>" "$una"
	expect_eq "$(grep -c 'https://shop.example' una.txt || true)" 0 "links left untracked"
	grep -o "$BASE/c/[^ .)]*" una.txt | sed -n 1p >link0
	grep -o "$BASE/c/[^ .)]*" una.txt | sed -n 2p >link1
	sed -n 's/^List-Unsubscribe: <\(.*\)>.*/\1/p' "$una" | tr -d '\r' >unsub
	test -s link0 && test -s link1 && test -s unsub
EOT

test_expect_success 'a HEAD of a tracked link (a scanner) answers and records no click' - <<\EOT
	before=$(clicks)
	code=$(curl -s -I -o /dev/null -D headers -w '%{http_code}' "$(cat link0)")
	expect_eq "$code" 303 "status of a HEAD"
	expect_grep '^Location: https://shop.example/catalogue?from=mail&x=1' headers
	expect_eq "$(clicks)" "$before" "clicks after a HEAD"
	# a forged token is still a 404
	case $(cat link0) in *0) bad="$(cat link0 | sed 's/.$/1/')" ;; *) bad="$(cat link0 | sed 's/.$/0/')" ;; esac
	expect_eq "$(curl -s -I -o /dev/null -w '%{http_code}' "$bad")" 404 "HEAD of a forged token"
EOT

test_expect_success 'a click records an email_click and redirects to the link' - <<\EOT
	before=$(clicks)
	code=$(curl -s -o page -D headers -w '%{http_code}' "$(cat link0)")
	expect_eq "$code" 303 "status"
	expect_grep '^Location: https://shop.example/catalogue?from=mail&x=1' headers
	expect_eq "$(clicks)" $((before + 1)) "clicks"
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT c.key || ' ' || e.channel || ' ' || e.note FROM events e JOIN contacts c ON c.id = e.contact_id WHERE e.type = 2")" \
		"U1 email https://shop.example/catalogue?from=mail&x=1" "the click's contact, channel and link"
	# a double click in the same minute is one event; the other link is one more
	curl -s -o /dev/null "$(cat link0)"
	expect_eq "$(clicks)" $((before + 1)) "clicks after a double click"
	code=$(curl -s -o page -D headers -w '%{http_code}' "$(cat link1)")
	expect_eq "$code" 303 "status"
	expect_grep '^Location: https://shop.example/help' headers
	expect_eq "$(clicks)" $((before + 2)) "clicks"
	# the agenda hears of it: U1 clicked a link
	fu show U1 --json >u.json
	expect_eq "$(sqlite3 :memory: "SELECT count(*) FROM json_each(json_extract(readfile('u.json'), '\$.events')) WHERE json_extract(value, '\$.type') = 'email_click'")" 2 "clicks on U1's timeline"
EOT

test_expect_success 'a forged or changed click token is a 404 page and stores nothing' - <<\EOT
	before=$(clicks)
	link=$(cat link0)
	# the last digit of the signature changed; the link number changed; made up; cut short
	case $link in *0) bad="${link%?}1" ;; *) bad="${link%?}0" ;; esac
	other=$(echo "$link" | sed 's/-0-\([0-9a-f]*\)$/-1-\1/')
	for url in "$bad" "$other" "$BASE/c/c1-0123456789abcdef-0-0123456789abcdef0123456789abcdef" \
		"$BASE/c/nonsense" "${link%??????}"; do
		code=$(curl -s -o page -D headers -w '%{http_code}' "$url")
		expect_eq "$code" 404 "status of $url"
		expect_grep 'This link is not valid' page
		expect_grep '^Content-Security-Policy: default-src' headers
		if grep -qi '^Location:' headers; then echo "a redirect for $url"; exit 1; fi
	done
	expect_eq "$(clicks)" "$before" "clicks after forged links"
EOT

test_expect_success 'unsubscribe: GET asks, POST records; a forged token changes nothing' - <<\EOT
	url=$(cat unsub)
	code=$(curl -s -o page -D headers -w '%{http_code}' "$url")
	expect_eq "$code" 200 "the page"
	expect_grep '<form method="post" action="/u/[0-9]*-e-[0-9a-f]\{32\}">' page
	expect_grep '^Content-Security-Policy: default-src' headers
	fu show U1 --json >u.json
	expect_eq "$(json_get u.json '$.state.opted_out_email')" 0 "opted out by a GET"
	# a forged token: 404 to both, nothing recorded
	case $url in *0) bad="${url%?}1" ;; *) bad="${url%?}0" ;; esac
	expect_eq "$(curl -s -o page -w '%{http_code}' "$bad")" 404 "GET of a forged token"
	expect_eq "$(curl -s -o page -w '%{http_code}' -d 'List-Unsubscribe=One-Click' "$bad")" 404 "POST of a forged token"
	expect_eq "$(curl -s -o page -w '%{http_code}' -d 'List-Unsubscribe=One-Click' "$BASE/u")" 404 "POST without a token"
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events WHERE type = 10")" 0 "opt-outs after forged tokens"
	# RFC 8058: the mail client posts List-Unsubscribe=One-Click, no cookie, no CSRF token
	code=$(curl -s -o page -w '%{http_code}' -H 'Content-Type: application/x-www-form-urlencoded' \
		-d 'List-Unsubscribe=One-Click' "$url")
	expect_eq "$code" 200 "the one-click post"
	expect_grep 'You are unsubscribed' page
	fu show U1 --json >u.json
	expect_eq "$(json_get u.json '$.state.opted_out_email')" 1 "opted_out_email"
	# again (the page's button after the mail client's post): still one opt-out
	expect_eq "$(curl -s -o page -w '%{http_code}' -d 'List-Unsubscribe=One-Click' "$url")" 200 "a second post"
	expect_eq "$(sqlite3 "$FOLLOWUP_DB" "SELECT count(*) FROM events WHERE type = 10")" 1 "opt-outs"
EOT

test_expect_success 'unsubscribe in the path form /u/TOKEN: GET asks, POST records' - <<\EOT
	# Uli's link as the outbox wrote it (?token=), asked for in the path form
	uli=$(grep -l 'To: Uli Other' smtp/msg-*.eml)
	token=$(sed -n 's/^List-Unsubscribe: <.*[?]token=\([^>]*\)>.*/\1/p' "$uli" | tr -d '\r')
	test -n "$token"
	code=$(curl -s -o page -D headers -w '%{http_code}' "$BASE/u/$token")
	expect_eq "$code" 200 "the page"
	expect_grep "<form method=\"post\" action=\"/u/$token\">" page
	expect_grep '^Content-Security-Policy: default-src' headers
	fu show U2 --json >u.json
	expect_eq "$(json_get u.json '$.state.opted_out_email')" 0 "opted out by a GET"
	case $token in *0) bad="${token%?}1" ;; *) bad="${token%?}0" ;; esac
	expect_eq "$(curl -s -o page -w '%{http_code}' "$BASE/u/$bad")" 404 "GET of a forged token"
	expect_eq "$(curl -s -o page -w '%{http_code}' -d 'List-Unsubscribe=One-Click' "$BASE/u/$bad")" 404 "POST of a forged token"
	fu show U2 --json >u.json
	expect_eq "$(json_get u.json '$.state.opted_out_email')" 0 "opted out by a forged token"
	code=$(curl -s -o page -w '%{http_code}' -d 'List-Unsubscribe=One-Click' "$BASE/u/$token")
	expect_eq "$code" 200 "the post"
	expect_grep 'You are unsubscribed' page
	fu show U2 --json >u.json
	expect_eq "$(json_get u.json '$.state.opted_out_email')" 1 "opted_out_email"
EOT

test_done
