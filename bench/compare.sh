#!/usr/bin/env bash
# compare.sh — transportlab against its Node peer (bench/node), side by side,
# measured by the same load client: `transportlab bench`.
#
#   bench/compare.sh [CLIENTS] [DURATION] [TRANSPORTS]
#   bench/compare.sh 5000 60s poll,sse,ws
#
# CLIENTS a transport (default 1000), each transport measured for DURATION
# (default 30s) after a ramp, TRANSPORTS among poll,longpoll,sse,ws (default
# poll,sse,ws). The environment tunes the rest: RATE (events a second, the
# same for both servers; default 10), RAMP (5s), INTERVAL (the polling
# interval, 1s), WARMUP (clients of an unmeasured 3 s run on each fresh
# server before its measured one, 50; 0 for none), GO_PORT and NODE_PORT (18005, 18006), OUT (where the JSON
# reports go, one a server and transport; a new temporary directory by
# default).
#
# It builds transportlab, then for each transport runs each server in turn
# on 127.0.0.1, fresh, loads it with that transport's clients, and stops it:
# our server, then Node's. A fresh process a transport keeps one phase's
# memory out of the next one's (a heap grown by 1000 pollers and not given
# back would hide what 1000 WebSockets take). Everything it connects to is
# on loopback. It raises its own limit on open files to the
# hard limit (the servers inherit it) and stops what it started when it
# exits, however it exits. Read bench/README.md first.
set -euo pipefail

clients=${1:-1000}
duration=${2:-30s}
transports=${3:-poll,sse,ws}
rate=${RATE:-10}
ramp=${RAMP:-5s}
interval=${INTERVAL:-1s}
warmup=${WARMUP:-50}
go_port=${GO_PORT:-18005}
node_port=${NODE_PORT:-18006}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/transportlab-compare.XXXXXX")}
mkdir -p "$out"

say() { printf 'compare: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# What this script started, stopped on the way out, by process id.
started=()
stop_all() {
	local pid
	for pid in "${started[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	started=()
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

IFS=, read -ra each <<<"$transports"
for t in "${each[@]}"; do
	[[ $t =~ ^(poll|longpoll|sse|ws)$ ]] || die "unknown transport \"$t\": TRANSPORTS are among poll,longpoll,sse,ws"
done
[[ $clients =~ ^[0-9]+$ ]] || die "CLIENTS must be a number, not \"$clients\""
[[ $warmup =~ ^[0-9]+$ ]] || die "WARMUP must be a number of clients, 0 for none, not \"$warmup\""

command -v curl >/dev/null || die "curl is needed to see that a server is up"
command -v go >/dev/null || die "go is needed to build transportlab"
command -v node >/dev/null || die "node (20 or later) is needed for the Node peer"
[[ -d $here/node/node_modules/ws ]] ||
	die "the Node peer's dependencies are missing: run (cd bench/node && npm ci) once"

# One socket a client, a few besides, in the bench and in each server.
hard=$(ulimit -Hn)
if ulimit -Sn "$hard" 2>/dev/null; then
	say "open files: limit $(ulimit -Sn)"
else
	say "open files: the limit stays $(ulimit -Sn)"
fi

# up waits until a server answers GET /api/time on port, or fails.
up() {
	local port=$1 pid=$2
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 1
		curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/api/time" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# free fails when something already answers on port: the bench would load it.
free() {
	! curl -sS -o /dev/null --max-time 1 "http://127.0.0.1:$1/" 2>/dev/null
}

# run starts a server (name, port, transport, command...), benches it on
# that transport into $out/name-transport.json, and stops it.
run() {
	local name=$1 port=$2 transport=$3
	shift 3
	free "$port" || die "something already listens on 127.0.0.1:$port: choose another (${name^^}_PORT)"
	local log="$out/$name-$transport-server.log" report="$out/$name-$transport.json"
	"$@" >"$log" 2>&1 &
	local pid=$!
	started+=("$pid")
	up "$port" "$pid" || die "the $name server did not come up on 127.0.0.1:$port: see $log"
	if ((warmup > 0)); then
		# A few clients first, not measured: a fresh process compiles its
		# handlers (Node's JIT), sizes its heap and runs a first GC while it
		# meets its first clients, and none of that is what a connection costs.
		"$out/transportlab" bench -url "http://127.0.0.1:$port" -clients "$warmup" -duration 2s \
			-ramp 1s -interval "$interval" -transports "$transport" -json >"$out/$name-$transport-warmup.json" 2>/dev/null &
		local warm=$!
		started+=("$warm")
		wait "$warm" || say "$name $transport: the warm-up failed; see $out/$name-$transport-warmup.json"
	fi
	say "$name $transport: $clients clients for $duration after a ramp of $ramp, $rate events a second"
	# In the background, so that a signal to this script stops it too
	# (bash runs a trap only once the command in the foreground is done).
	"$out/transportlab" bench -url "http://127.0.0.1:$port" -clients "$clients" -duration "$duration" \
		-ramp "$ramp" -interval "$interval" -transports "$transport" -json >"$report" &
	local bench=$!
	started+=("$bench")
	# The bench fails after its report when clients were refused or errors
	# met: the report says which, and the table shows them.
	wait "$bench" || say "$name $transport: the bench said so above; its report is kept in $report"
	stop_all
}

say "building transportlab"
(cd "$root" && go build -o "$out/transportlab" ./cmd/transportlab)

for t in "${each[@]}"; do
	run go "$go_port" "$t" "$out/transportlab" -addr "127.0.0.1:$go_port" -rate "$rate" \
		-limits=false -max-streams 0 -max-streams-per-ip 0
	run node "$node_port" "$t" node "$here/node/server.mjs" --port "$node_port" --rate "$rate"
done

# The side-by-side table, Markdown, from the reports.
node --input-type=module - "$out" "${each[@]}" <<'EOF'
import { existsSync, readFileSync } from 'node:fs';
const [dir, ...transports] = process.argv.slice(2);
// reports reads one server's reports, a transport each, as one report.
const reports = (name) => {
  const parts = transports.map((t) => `${dir}/${name}-${t}.json`).filter(existsSync).flatMap((f) => {
    try {
      return [JSON.parse(readFileSync(f, 'utf8'))];
    } catch {
      return []; // the bench stopped before its report: it said why
    }
  });
  return { ...parts[0], transports: parts.flatMap((p) => p.transports) };
};
const go = reports('go');
const node = reports('node');
const fixed = (v, d = 1) => (v === null || v === undefined ? 'n/a' : v.toFixed(d));
const kb = (v) => (v === null || v === undefined ? 'n/a' : `${(v / 1000).toFixed(1)} KB`);
const ratio = (a, b) => (a == null || b == null || !(b > 0) || a < 0 ? 'n/a' : `${(a / b).toFixed(2)}×`);
console.log(`${go.clients} clients a transport, ${go.durationSeconds} s each after a ramp of ${go.rampSeconds} s; polling every ${go.intervalMs} ms`);
console.log('');
console.log('| transport | connected Go / Node | events/s Go / Node | gaps+dups+errors Go / Node | CPU µs/event Go | Node | Go/Node | memory/conn (RSS) Go | Node | Go/Node | Go heap+stack/conn | p99 ms Go | Node | Go/Node |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const g of go.transports) {
  const n = node.transports.find((t) => t.transport === g.transport);
  if (!n) continue;
  const gs = g.server ?? {}, ns = n.server ?? {};
  const bad = (r) => r.gaps + r.duplicates + r.errors;
  console.log(`| ${g.transport} | ${g.connected} / ${n.connected} | ${fixed(g.eventsPerSecond, 0)} / ${fixed(n.eventsPerSecond, 0)} | ${bad(g)} / ${bad(n)} ` +
    `| ${fixed(gs.cpuMicrosPerEvent)} | ${fixed(ns.cpuMicrosPerEvent)} | ${ratio(gs.cpuMicrosPerEvent, ns.cpuMicrosPerEvent)} ` +
    `| ${kb(gs.rssPerClientBytes)} | ${kb(ns.rssPerClientBytes)} | ${ratio(gs.rssPerClientBytes, ns.rssPerClientBytes)} ` +
    `| ${kb(gs.heapStackPerClientBytes)} ` +
    `| ${fixed(g.latencyMs.p99)} | ${fixed(n.latencyMs.p99)} | ${ratio(g.latencyMs.p99, n.latencyMs.p99)} |`);
}
console.log('');
console.log('CPU µs/event: the server\'s CPU time over the window per event delivered in it. memory/conn: the RSS the phase added per connected client (Go heap+stack: its live heap and stacks, the same way). Ratios are Go/Node: below 1, ours spends less.');
EOF
say "reports: $out/{go,node}-TRANSPORT.json; the servers' logs beside them"
