#!/bin/sh
# deps.sh - installs, with apt-get, only the Debian packages whose pkg-config module
# or file this machine lacks. Prints what it checks; installs nothing when all is present.
set -eu

missing=""
need() { # need KIND NAME PACKAGE
	case "$1" in
	pc) pkg-config --exists "$2" 2>/dev/null && return 0 ;;
	file) [ -e "$2" ] && return 0 ;;
	cmd) command -v "$2" >/dev/null 2>&1 && return 0 ;;
	esac
	echo "deps: missing $2 (Debian package $3)"
	missing="$missing $3"
}

command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
need cmd cc gcc
need cmd make make
need pc sqlite3 libsqlite3-dev
need pc yaml-0.1 libyaml-dev
need pc jansson libjansson-dev
need pc gsl libgsl-dev
need pc libmicrohttpd libmicrohttpd-dev
need pc libsodium libsodium-dev
need pc cmocka libcmocka-dev
need pc libcurl libcurl4-openssl-dev
need file /usr/share/zoneinfo/America/New_York tzdata
need cmd sqlite3 sqlite3
need file /usr/bin/time time
# the tests' SMTP server (tests/e2e/smtpd.py), run by Debian's own python3
need file /usr/lib/python3/dist-packages/aiosmtpd python3-aiosmtpd
# the tests' IMAP server for followup receive (tests/e2e/imap-lib.sh): a private dovecot
need file /usr/sbin/dovecot dovecot-imapd
# the TLS tests make their own self-signed certificate (tests/e2e/t0032-smtp-tls.sh)
need cmd openssl openssl
# the server's end-to-end test: curl, and a real iCalendar parser for the calendar feed
need cmd curl curl
need cmd wrk wrk # bench/serve.sh, the server under load
need file /usr/lib/python3/dist-packages/icalendar python3-icalendar
need cmd clang clang # the fuzz targets (libFuzzer), run briefly by make test
# the web app's browser tests (tests/web): Debian's chromium driven by playwright-core from npm
need cmd chromium chromium
need cmd node nodejs
need cmd npm npm

# the npm packages of tests/web (the browser tests) and tests/openapi (the OpenAPI validator),
# exactly as locked, when missing or older than the lock file
web_packages() {
	for dir in web openapi; do
		d="$(dirname "$0")/../tests/$dir"
		if [ ! -f "$d/node_modules/.package-lock.json" ] ||
			[ "$d/package-lock.json" -nt "$d/node_modules/.package-lock.json" ]; then
			echo "deps: npm ci in tests/$dir"
			(cd "$d" && npm ci --no-audit --no-fund --loglevel=error)
		fi
	done
}

if [ -z "$missing" ]; then
	echo "deps: all present"
	web_packages
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "deps: installing$missing"
# shellcheck disable=SC2086
$SUDO apt-get install -y --no-install-recommends $missing || {
	$SUDO apt-get update
	# shellcheck disable=SC2086
	$SUDO apt-get install -y --no-install-recommends $missing
}
web_packages
