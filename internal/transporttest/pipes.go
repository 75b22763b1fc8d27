package transporttest

import (
	"context"
	"net"
	"net/http"
	"sync"
)

// Pipes is a listener of in-process connections (net.Pipe), for a test that
// runs a server in a testing/synctest bubble: a goroutine blocked on a real
// socket keeps the bubble's clock from moving, one blocked on a pipe does
// not. Serve an http.Server on it, and reach it with Client, or Dial.
type Pipes struct {
	conns     chan net.Conn
	closed    chan struct{}
	closeOnce sync.Once
}

// NewPipes returns a listener with nobody connected yet. Make it inside
// the bubble: its channels belong to the bubble they are made in.
func NewPipes() *Pipes {
	return &Pipes{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// Accept waits for the next Dial.
func (p *Pipes) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.closed:
		return nil, net.ErrClosed
	}
}

// Close stops accepting; the connections already made stay.
func (p *Pipes) Close() error {
	p.closeOnce.Do(func() { close(p.closed) })
	return nil
}

// Addr is the pipes' address, which names no network.
func (p *Pipes) Addr() net.Addr { return pipeAddr{} }

// Dial connects to the listener, for any network and address.
func (p *Pipes) Dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case p.conns <- server:
		return client, nil
	case <-p.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Client returns an HTTP client whose every connection is a pipe to the
// listener, whatever the URL's host. Close its idle connections before the
// bubble ends.
func (p *Pipes) Client() *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: p.Dial}}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }
