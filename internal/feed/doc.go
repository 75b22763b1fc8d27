// Package feed is the one live feed that every transport serves.
//
// Read hub.go first: the Hub stamps each event with the next seq and the
// publish time, encodes it to JSON once, keeps a bounded history for resume,
// and fans it out to subscribers through bounded queues. generator.go is the
// producer of simulated stock quotes; event.go defines what an event is,
// position.go where a client asks to start; watch.go cuts off a subscriber
// whose write is stuck, which the SSE and WebSocket writers mark for it.
//
// The package knows nothing of HTTP: transports adapt it to the wire.
package feed
