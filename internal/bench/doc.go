// Package bench loads a running transportlab server from outside, as a
// class of pages would, and says what that class costs: `transportlab
// bench`. It knows the wire protocol (POST /api/pages, /poll, /poll?wait=,
// /sse, /ws, GET /api/time, GET /metrics) and nothing of the server's
// insides, so it measures any server that speaks the protocol, over the
// network, as a browser would meet it: bench/ compares this one with a
// Node peer that way.
//
// Read Run first (bench.go), then clients.go for the clients and
// httpconn.go for the one HTTP/1.1 connection poll and SSE clients own.
// A session against a server run with -limits=false (progress on stderr
// elided, columns after bytes/event too; the run was on a busy machine):
//
//	$ transportlab -limits=false &
//	$ transportlab bench -url http://localhost:8005 -clients 300 -duration 5s -ramp 2s
//	open files: limit 20000
//	clock: the server's is +0.02 ms from ours, ±0.05 ms (best of 5 round trips)
//	poll  ramp    connected 78/300  events/s 78  errors 0
//	…
//	300 clients a transport for 5s each, after a ramp of 2s; polling every 1000 ms; latency within ±0.05 ms
//	transport  clients  connected  events/s  gaps  dups  errors  429s  p50 ms  p95 ms  p99 ms  req/s  bytes/event  …
//	poll           300        300    1443.5     0     0       0     0   481.7   944.5  1002.3  299.7        123.0  …
//	sse            300        300    1492.0     0     0       0     0     9.5    27.3    47.5    0.0        101.1  …
//	ws             300        300    1499.7     0     0       0     0     8.5    69.2    87.7    0.0         81.1  …
//
// What the server spent comes from its GET /metrics, read before a phase
// and at the start and end of its window: its CPU (a share of one core,
// and µs per event delivered), its RSS and what the phase added to it per
// connected client, and for a Go server its live heap and stacks added per
// client. Only the process's CPU and RSS series are needed, which any
// server can give; the rest is n/a where a server has not got it.
//
// Another transport (Socket.IO) is one more client in the clients map of
// clients.go: -transports names only those it has.
//
// Each transport runs in its own phase, one after the other, so that the
// server's CPU and memory of a phase are that transport's alone: N clients
// connect over -ramp, then are measured for -duration, then leave.
package bench
