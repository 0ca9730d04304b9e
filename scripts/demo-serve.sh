#!/bin/sh
# demo-serve.sh DB - the end of `make demo`: an admin and a rep with fresh passwords, printed,
# then the web app served on 127.0.0.1 until Ctrl-C. Interactive by design: `make test` never
# calls it.
set -eu
db=$1
listen=${DEMO_LISTEN:-127.0.0.1:8080}
pw() { od -An -N9 -tx1 /dev/urandom | tr -d ' \n'; }
admin_pw=$(pw)
rep_pw=$(pw)
for u in boss ana; do ./followup --db "$db" user remove "$u" >/dev/null 2>&1 || true; done
printf '%s\n' "$admin_pw" | ./followup --db "$db" user add boss --role admin >/dev/null
printf '%s\n' "$rep_pw" | ./followup --db "$db" user add ana --role rep >/dev/null
cat <<MSG

The web app: open http://$listen/ in a browser and log in as
  boss  $admin_pw   (admin: everyone's day, filter by owner)
  ana   $rep_pw   (rep: ana's own and the unowned contacts)
The same app as pages the server draws (they work without JavaScript): http://$listen/login
Ctrl-C stops the server.

MSG
exec ./followup --db "$db" serve --listen "$listen"
