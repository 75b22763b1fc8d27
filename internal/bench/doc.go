// Package bench loads a running transportlab server from outside, as a
// class of pages would, and says what that class costs: `transportlab
// bench`. It knows the wire protocol (POST /api/pages, /poll, /sse, /ws,
// GET /api/time, GET /metrics) and nothing of the server's insides, so it
// measures any server that speaks the protocol, over the network, as a
// browser would meet it.
//
// Read Run first (bench.go), then clients.go for the three clients and
// httpconn.go for the one HTTP/1.1 connection poll and SSE clients own.
// A session against a server run with -limits=false:
//
//	$ transportlab -limits=false &
//	$ transportlab bench -url http://localhost:8005 -clients 300 -duration 30s
//	open files: limit raised from 1024 to 1048576
//	clock: offset +0.02 ms, ±0.05 ms (best of 5 round trips)
//	poll  connected 300/300  events/s 1502  errors 0
//	…
//	transport  clients  connected  events/s  gaps  dups  errors  429s  p50 ms  p95 ms  p99 ms  req/s  bytes/event  server CPU  server RSS  heap/client
//	poll       300      300        1500.2    0     0     0       0     251.3   476.0   496.1   300.0  …
//
// Each transport runs in its own phase, one after the other, so that the
// server's CPU and memory of a phase are that transport's alone: N clients
// connect over -ramp, then are measured for -duration, then leave.
package bench
