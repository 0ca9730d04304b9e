# followup - plain Makefile.
#   make          build ./followup (optimised)
#   make test     unit + end-to-end + browser tests, built with AddressSanitizer and UBSan, then
#                 each fuzz target for a few seconds (make fuzz: longer)
#   make demo     install missing packages, build, create followup.db with a demo business, show it,
#                 then serve the web app on 127.0.0.1:8080 with a printed login (Ctrl-C stops)
#   make deps     apt-get only the Debian packages pkg-config cannot find (scripts/deps.sh:
#                 the libraries, and the tests' servers: python3-aiosmtpd, dovecot-imapd)
#   make failalloc-sqlite  the allocation-failure runs with SQLite's allocations failing too
#   make tsan     the threaded agenda's tests under ThreadSanitizer (not part of `make test`:
#                 TSan cannot share a build with AddressSanitizer)
#   make bench    import benchmark (see bench/README.md); also bench-agenda, bench-lapse,
#                 bench-clv

CC ?= cc
# the libraries the code uses today; add one here (and in scripts/deps.sh) with its first use
PKGS = sqlite3 yaml-0.1 jansson gsl libcurl libsodium libmicrohttpd
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CSTD = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -pthread
OPT ?= -O2 -g
SAN = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

SRC = $(sort $(wildcard src/*.c))
CLI = $(sort $(wildcard cli/*.c))
SERVER = $(sort $(wildcard server/*.c))
UNIT = $(sort $(wildcard tests/unit/test-*.c))
HDR = $(wildcard src/*.h cli/*.h server/*.h tests/unit/*.h)

# build/ is the optimised tree, build/san the sanitised one used by the tests.
OBJ = $(SRC:src/%.c=build/src/%.o)
CLIOBJ = $(CLI:cli/%.c=build/cli/%.o) $(SERVER:server/%.c=build/server/%.o)
SOBJ = $(SRC:src/%.c=build/san/src/%.o)
SCLIOBJ = $(CLI:cli/%.c=build/san/cli/%.o) $(SERVER:server/%.c=build/san/server/%.o)
# the web app's files (server/web/), embedded in the binary as a generated C table
WEB = $(sort $(wildcard server/web/*))
CLIOBJ += build/server/webassets.o
SCLIOBJ += build/san/server/webassets.o
SUNIT = $(UNIT:tests/unit/%.c=build/san/tests/%)

all: followup

followup: build/libfollowup.a $(CLIOBJ)
	$(CC) $(OPT) -o $@ $(CLIOBJ) build/libfollowup.a $(PKG_LIBS)

build/libfollowup.a: $(OBJ)
	ar rcs $@ $^

build/src/%.o: src/%.c $(HDR) | build/src build/cli
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Isrc -c -o $@ $<

build/cli/%.o: cli/%.c $(HDR) | build/src build/cli
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Isrc -Icli -Iserver -c -o $@ $<

# server/ is a front end like cli/: it calls src/ only, and is linked into ./followup
build/server/%.o: server/%.c $(HDR) | build/server
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Isrc -Iserver -c -o $@ $<

build/san/libfollowup.a: $(SOBJ)
	ar rcs $@ $^

build/san/src/%.o: src/%.c $(HDR) | build/san/src build/san/cli build/san/tests
	$(CC) $(CSTD) $(WARN) $(SAN) $(PKG_CFLAGS) -Isrc -c -o $@ $<

build/san/cli/%.o: cli/%.c $(HDR) | build/san/src build/san/cli build/san/tests
	$(CC) $(CSTD) $(WARN) $(SAN) $(PKG_CFLAGS) -Isrc -Icli -Iserver -c -o $@ $<

build/san/server/%.o: server/%.c $(HDR) | build/san/server
	$(CC) $(CSTD) $(WARN) $(SAN) $(PKG_CFLAGS) -Isrc -Iserver -c -o $@ $<

build/gen/webassets.c: scripts/embed-web.sh $(WEB) | build/gen
	sh scripts/embed-web.sh $@ $(WEB)

build/server/webassets.o: build/gen/webassets.c server/app.h | build/server
	$(CC) $(CSTD) $(WARN) $(OPT) -Iserver -c -o $@ $<

build/san/server/webassets.o: build/gen/webassets.c server/app.h | build/san/server
	$(CC) $(CSTD) $(WARN) $(SAN) -Iserver -c -o $@ $<

build/san/followup: build/san/libfollowup.a $(SCLIOBJ)
	$(CC) $(SAN) -o $@ $(SCLIOBJ) build/san/libfollowup.a $(PKG_LIBS)

# the pages' HTML builder and form reader live in server/: their test links them in
build/san/tests/test-html: tests/unit/test-html.c server/html.c server/form.c build/san/libfollowup.a $(HDR)
	$(CC) $(CSTD) $(WARN) $(SAN) $(PKG_CFLAGS) $(shell pkg-config --cflags cmocka) -Isrc -Iserver -o $@ \
		$< server/html.c server/form.c build/san/libfollowup.a $(PKG_LIBS) $(shell pkg-config --libs cmocka)

build/san/tests/%: tests/unit/%.c build/san/libfollowup.a $(HDR)
	$(CC) $(CSTD) $(WARN) $(SAN) $(PKG_CFLAGS) $(shell pkg-config --cflags cmocka) -Isrc -o $@ $< \
		build/san/libfollowup.a $(PKG_LIBS) $(shell pkg-config --libs cmocka)

# Allocation-failure injection (tests/failalloc/failalloc.c): the allocations our code makes
# fail one at a time. `make failalloc-sqlite` fails SQLite's too (a few minutes).
FAILALLOC_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=getline
build/san/tests/failalloc: tests/failalloc/failalloc.c build/san/libfollowup.a $(HDR) | build/san/tests
	$(CC) $(CSTD) $(WARN) $(SAN) $(PKG_CFLAGS) -Isrc -o $@ $< build/san/libfollowup.a \
		$(FAILALLOC_WRAP) $(PKG_LIBS)

failalloc-sqlite: deps build/san/tests/failalloc
	ASAN_OPTIONS=detect_leaks=1 FAILALLOC_SQLITE=1 FAILALLOC_DATA=tests/data build/san/tests/failalloc

build/src build/cli build/server build/gen build/san/src build/san/cli build/san/server build/san/tests:
	mkdir -p $@

deps:
	@scripts/deps.sh

# Unit tests, the allocation-failure runs, the scenarios of tests/cases, then the end-to-end
# scripts, all against the sanitised build.
test: deps build/san/followup $(SUNIT) build/san/tests/failalloc followup
	@set -e; for t in $(SUNIT); do echo "unit: $$t"; ASAN_OPTIONS=detect_leaks=1 $$t; done
	@ASAN_OPTIONS=detect_leaks=1 FAILALLOC_DATA=tests/data build/san/tests/failalloc
	@FOLLOWUP_BIN=$(CURDIR)/build/san/followup tests/cases/run.sh
	@FOLLOWUP_BIN=$(CURDIR)/build/san/followup tests/e2e/run.sh
	@FOLLOWUP_BIN=$(CURDIR)/build/san/followup SHOTS=$(CURDIR)/build/web-shots tests/web/run.sh
	@$(MAKE) --no-print-directory fuzz-smoke

demo: deps followup
	rm -f followup.db followup.db-wal followup.db-shm
	./followup --db followup.db demo
	@echo
	./followup --db followup.db agenda --limit 8
	@scripts/demo-serve.sh followup.db

bench: deps followup build/bench-synth build/bench-purchases
	bench/import.sh

build/bench-synth: bench/synth.c build/libfollowup.a $(HDR)
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Isrc -o $@ $< build/libfollowup.a $(PKG_LIBS)

build/bench-purchases: bench/purchases.c build/libfollowup.a $(HDR)
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Isrc -o $@ $< build/libfollowup.a $(PKG_LIBS)

build/bench-lapse: bench/lapse.c build/libfollowup.a $(HDR)
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Isrc -o $@ $< build/libfollowup.a $(PKG_LIBS)

TSAN = -O1 -g -fsanitize=thread
build/tsan/test-agenda: tests/unit/test-agenda.c $(SRC) $(HDR)
	mkdir -p build/tsan
	$(CC) $(CSTD) $(WARN) $(TSAN) $(PKG_CFLAGS) $(shell pkg-config --cflags cmocka) -Isrc -o $@ $< \
		$(SRC) $(PKG_LIBS) $(shell pkg-config --libs cmocka)

tsan: deps build/tsan/test-agenda
	TSAN_OPTIONS=halt_on_error=1 build/tsan/test-agenda

# the agenda at 1,000,000 contacts and 200 owners over three days (about 20 minutes, 4 GB)
bench-agenda: deps followup build/bench-synth
	OWNERS=200 CONTACTS=1000000 RUNS=2 bench/agenda.sh

# LAPSE_CUSTOMERS=200000 make bench-lapse for a bigger run (20,000 by default: seconds)
bench-lapse: build/bench-lapse
	build/bench-lapse --customers $${LAPSE_CUSTOMERS:-20000}

build/bench-clv: bench/clv.c build/libfollowup.a $(HDR)
	$(CC) $(CSTD) $(WARN) $(OPT) $(PKG_CFLAGS) -Isrc -o $@ $< build/libfollowup.a $(PKG_LIBS)

bench-clv: build/bench-clv
	build/bench-clv

# Fuzz targets (clang's libFuzzer), one per parser, each started from its committed seeds in
# tests/fuzz/seeds/NAME (NAME: the target without "fuzz-"); what they find goes to
# build/fuzz/corpus-NAME. make test runs each for FUZZ_SMOKE_SECONDS (4 s, about 20 s in
# all); make fuzz runs each for FUZZ_SECONDS. Both run fuzz-when strict: a when: that
# playbook check accepts must evaluate.
FUZZ = $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BIN = $(FUZZ:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_CFLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FOBJ = $(SRC:src/%.c=build/fuzz/src/%.o)

build/fuzz/src/%.o: src/%.c $(HDR)
	@mkdir -p build/fuzz/src
	clang $(CSTD) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(PKG_CFLAGS) -Isrc -c -o $@ $<

build/fuzz/libfollowup.a: $(FOBJ)
	ar rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libfollowup.a $(HDR)
	clang $(CSTD) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) -Isrc -o $@ $< \
		build/fuzz/libfollowup.a $(PKG_LIBS)

fuzz: deps $(FUZZ_BIN)
	@FUZZ_WHEN_STRICT=1 tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-smoke: deps $(FUZZ_BIN)
	@FUZZ_WHEN_STRICT=1 tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BIN)

clean:
	rm -rf build followup

.PHONY: all deps test tsan demo bench bench-agenda bench-lapse bench-clv fuzz fuzz-smoke failalloc-sqlite clean
