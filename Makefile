# transportlab: `make run` serves the demo, `make test` checks everything.
# Both need only Go (and, for the page's tests, Node.js and Chromium, which
# .ci/run installs on a fresh Debian machine).

.PHONY: run class test bench load fuzz soak screenshot measure build

# Serve the demo at http://localhost:8005 (flags: make run ARGS='-rate 20').
run:
	go run ./cmd/transportlab $(ARGS)

# Serve a classroom: every interface, port 8005; prints the students' links
# with a QR code and the instructor's link (make class ARGS='-class-token …').
class:
	go run ./cmd/transportlab -class $(ARGS)

# What CI runs: vet, every Go test under the race detector (the browser test,
# the npm clients' test and the bench against the Node peer included), and the
# page's pure modules and the Node peer under Node's test runner.
test: interop/node_modules bench/node/node_modules
	go vet ./...
	go test -race ./...
	node --test web/tests/*.test.js
	cd bench/node && node --test

# The npm ws and eventsource clients that interop/ checks the server with,
# at the versions in its lock file.
interop/node_modules: interop/package-lock.json
	cd interop && npm ci --no-audit --no-fund
	touch $@

# The Node peer that bench/compare.sh measures this server against: its one
# dependency, ws, at the version in its lock file.
bench/node/node_modules: bench/node/package-lock.json
	cd bench/node && npm ci --no-audit --no-fund
	touch $@

# Delivery cost per event and client on each transport, and the hub's fan-out.
bench:
	go test -run '^$$' -bench . -benchmem ./internal/...

# What a class costs a server already running: LOAD_CLIENTS pages on each
# transport, one transport after another, from outside (README, "What a class
# costs"). Start the server with -limits=false, and -max-streams-per-ip 0 past
# 1,000 clients.
LOAD_URL ?= http://localhost:8005
LOAD_CLIENTS ?= 300
LOAD_DURATION ?= 30s
load:
	go run ./cmd/transportlab bench -url $(LOAD_URL) -clients $(LOAD_CLIENTS) -duration $(LOAD_DURATION) $(ARGS)

# What each transport costs, measured: the page in headless Chromium at the
# defaults for a minute, then its latency, requests and bytes on the wire
# (make measure DELAY=200 adds a simulated one-way delay).
MEASURE ?= 60s
DELAY ?= 0
measure:
	go test ./web -run '^TestMeasure$$' -count=1 -v -measure $(MEASURE) -measure-delay $(DELAY) | grep -v '^=== '

# Each fuzz target for a while, then keep the inputs it found interesting
# in the package's testdata/fuzz, where every go test runs them again.
FUZZTIME ?= 30s
FUZZ_TARGETS = internal/feed:FuzzParsePosition internal/sse:FuzzAppendEvent internal/ws:FuzzParse \
	internal/server:FuzzPostMessage
fuzz:
	@set -e; cache=$$(go env GOCACHE)/fuzz/transportlab; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		go test ./$$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME); \
		mkdir -p $$pkg/testdata/fuzz/$$name; \
		cp $$cache/$$pkg/$$name/* $$pkg/testdata/fuzz/$$name/; \
	done

# Many clients of every transport for a while, dropping and being dropped;
# prints received, missed and duplicated events per transport.
SOAK_CLIENTS ?= 200
SOAK_DURATION ?= 60s
soak:
	go test ./internal/soak -run Soak -count=1 -v -timeout 10m -args -soak -clients $(SOAK_CLIENTS) -duration $(SOAK_DURATION)

# The picture of the page in README.md: the browser test, run for longer.
screenshot:
	go test ./web -run TestPage -count=1 -args -screenshot ../docs/screenshot.png -settle 40s -interval 1000

build:
	go build -o transportlab ./cmd/transportlab
