package transporttest

import (
	"context"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
)

// MeteredClient is an HTTP client on one connection at a time that counts
// every byte it sends and receives: what the server must have counted on
// its side of the same connection. Requests take turns on the connection,
// as they do from a browser, so the counts can be compared request by
// request.
type MeteredClient struct {
	*http.Client
	Sent, Received atomic.Int64
}

// NewMeteredClient returns a MeteredClient whose idle connection is closed
// when tb ends.
func NewMeteredClient(tb testing.TB) *MeteredClient {
	m := new(MeteredClient)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := new(net.Dialer).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &meteredConn{Conn: c, m: m}, nil
		},
		MaxConnsPerHost: 1, // one connection: requests take turns on it
	}
	tb.Cleanup(tr.CloseIdleConnections)
	m.Client = &http.Client{Transport: tr}
	return m
}

type meteredConn struct {
	net.Conn
	m *MeteredClient
}

func (c *meteredConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.m.Received.Add(int64(n))
	return n, err
}

// Write counts before it writes: the server may read, answer, and the
// client see the answer before a count made after the write.
func (c *meteredConn) Write(p []byte) (int, error) {
	c.m.Sent.Add(int64(len(p)))
	n, err := c.Conn.Write(p)
	c.m.Sent.Add(int64(n - len(p)))
	return n, err
}

// Fetch GETs url, reads its answer to the end, and returns the bytes that
// one request and its answer moved on the connection, each way.
func (m *MeteredClient) Fetch(tb testing.TB, url string) (sent, received int64) {
	tb.Helper()
	s0, r0 := m.Sent.Load(), m.Received.Load()
	resp, err := m.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return m.Sent.Load() - s0, m.Received.Load() - r0
}
