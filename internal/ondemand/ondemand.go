// Package ondemand runs a stream's writer only while it has something to
// write.
//
// Once the hub writes each event to a stream itself (feed.Subscription.
// SetDirect), what is left for the stream's own writer is rare: events
// queued behind a client that fell behind, the rest of a write the socket
// did not take at once, a ping or a heartbeat now and then. A goroutine
// that waits for that work costs its stack for as long as the stream
// lives. A Writer instead starts a goroutine when there is work (Kick),
// which writes until nothing waits, and ends.
package ondemand

import (
	"sync"
	"sync/atomic"
)

// Writer runs a write on a goroutine of its own whenever it is kicked,
// one goroutine at a time. Its zero value is closed: kicks are kept until
// Open.
type Writer struct {
	write func() error // writes what waits (Open)
	stop  func()       // ends the stream once a write failed (Open)

	// kicked: something waits, which a writer running, or the one Kick
	// starts, will write. running: a writer runs, or one failed and no
	// other may start.
	kicked, running atomic.Bool
	writers         sync.WaitGroup // those started, for Close to wait for
	mu              sync.Mutex     // open, err
	open            bool           // a writer may start
	err             error          // why a writer failed while open
}

// Open lets writers start, each calling write until nothing waits, and
// starts one for what was kicked before. An error from write ends the
// writing: stop is called, on the writer's goroutine, to end the stream
// (close its connection, or stop its read; it must not wait for the
// writer), and no writer runs again.
func (w *Writer) Open(write func() error, stop func()) {
	w.mu.Lock()
	w.write, w.stop, w.open = write, stop, true
	w.mu.Unlock()
	w.Kick()
}

// Kick has a writer write what waits: it starts one, unless one runs, which
// then writes it. It never waits: the hub and the clocks call it.
func (w *Writer) Kick() {
	w.kicked.Store(true)
	if !w.running.CompareAndSwap(false, true) {
		return // the writer running looks at kicked before it ends
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.open {
		w.running.Store(false) // Open kicks again; after Close, nothing is written
		return
	}
	w.writers.Add(1)
	go w.run()
}

// run is a writer: it writes until nothing waits, and ends.
func (w *Writer) run() {
	defer w.writers.Done()
	for {
		for w.kicked.Swap(false) {
			if err := w.write(); err != nil {
				w.fail(err)
				return // still running: no other writer starts
			}
		}
		w.running.Store(false)
		// A kick between the Swap and the Store found a writer running:
		// this one goes on for it, unless another kick started one since.
		if !w.kicked.Load() || !w.running.CompareAndSwap(false, true) {
			return
		}
	}
}

// fail keeps err, unless the writer was closed first: a write that fails
// then is one that the stream's end broke, and says nothing of why. Then
// it ends the stream.
func (w *Writer) fail(err error) {
	w.mu.Lock()
	if w.open {
		w.err = err
	}
	w.mu.Unlock()
	w.stop()
}

// Close lets no writer start from now on; a write that fails after it is
// not kept (Err). Then whatever blocks a write under way must be
// unblocked (a deadline, a closed connection), and Wait waits for it.
func (w *Writer) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.open = false
}

// Wait waits for the writer running, if any, once Close has returned.
func (w *Writer) Wait() { w.writers.Wait() }

// Err returns the error of the write that ended the writing while the
// Writer was open, or nil. It is final once Wait has returned.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
