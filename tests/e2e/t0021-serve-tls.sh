# followup serve over TLS (--tls-cert, --tls-key): a self-signed certificate made here, curl
# trusting only it; plain HTTP on the TLS port gets nothing; the session cookie is Secure.
. "$TESTS_DIR/e2e/lib.sh"

. "$TESTS_DIR/e2e/serve-lib.sh"
SERVER=""
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; test_at_exit' EXIT

test_expect_success 'setup: a database, an admin, a self-signed certificate for 127.0.0.1' - <<\EOT
fu init >/dev/null
echo 'root password 1' | fu user add root --role admin >/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>openssl.log
chmod 600 key.pem
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-key.pem -out other-cert.pem -days 2 \
	-subj /CN=127.0.0.1 2>>openssl.log
EOT

test_expect_success 'a key file that cannot be read is refused before serving' - <<\EOT
expect_fail 1 fu serve --listen 127.0.0.1:0 --tls-cert cert.pem --tls-key missing.pem 2>err
expect_grep 'tls-key missing.pem: cannot read it' err
EOT

test_expect_success 'a certificate without its key is a usage error' - <<\EOT
expect_fail 1 fu serve --listen 127.0.0.1:0 --tls-cert cert.pem 2>err
expect_grep 'give both --tls-cert and --tls-key' err
EOT

test_expect_success 'a file that is not PEM is refused' - <<\EOT
echo 'not a key' >bad.pem
expect_fail 1 fu serve --listen 127.0.0.1:0 --tls-cert cert.pem --tls-key bad.pem 2>err
expect_grep 'not a PEM file' err
EOT

test_expect_success 'a key that does not match the certificate: the server does not start' - <<\EOT
expect_fail 1 fu serve --listen 127.0.0.1:0 --tls-cert cert.pem --tls-key other-key.pem 2>err
expect_grep 'certificate and key' err
EOT

start_serve server.log --tls-cert cert.pem --tls-key key.pem

test_expect_success 'a request over HTTPS, trusting only our certificate' - <<\EOT
code=$(curl -s --cacert cert.pem -o body -w '%{http_code}' "$BASE/health")
expect_eq "$code" 200 "GET /health over https"
expect_grep '"status":"ok"' body
EOT

test_expect_success 'another certificate is not trusted (curl checks it)' - <<\EOT
expect_fail 60 curl -s --cacert other-cert.pem -o /dev/null "$BASE/health"
EOT

test_expect_success 'plain HTTP to the TLS port gets no answer' - <<\EOT
code=$(curl -s -o body -w '%{http_code}' --max-time 10 "http://127.0.0.1:$PORT/health" || true)
expect_eq "$code" 000 "plain http status"
EOT

test_expect_success 'the session cookie is Secure (and HttpOnly, SameSite) under TLS' - <<\EOT
code=$(curl -s --cacert cert.pem -o body -D headers -w '%{http_code}' -H 'Content-Type: application/json' \
	-d '{"name":"root","password":"root password 1"}' "$BASE/api/v1/login")
expect_eq "$code" 200 "login"
grep -i '^Set-Cookie: fu_session=' headers >cookie
expect_grep 'HttpOnly; SameSite=Strict; Secure' cookie
cookie=$(sed -n 's/^Set-Cookie: *\(fu_session=[^;]*\);.*/\1/Ip' headers)
csrf=$(sqlite3 :memory: "SELECT json_extract(readfile('body'), '\$.csrf_token')")
code=$(curl -s --cacert cert.pem -o body -D headers -w '%{http_code}' -X POST -H "Cookie: $cookie" \
	-H "X-CSRF-Token: $csrf" "$BASE/api/v1/logout")
expect_eq "$code" 200 "logout"
expect_grep 'Max-Age=0; HttpOnly; SameSite=Strict; Secure' headers
EOT

stop_serve
test_expect_success 'SIGTERM stops the TLS server cleanly; no key in the log' - <<\EOT
expect_eq "$(cat server.status)" 0 "exit status"
expect_grep 'stopped on signal' server.log
expect_grep 'listening on https://' server.log
! grep -q 'PRIVATE KEY' server.log
EOT

test_done
