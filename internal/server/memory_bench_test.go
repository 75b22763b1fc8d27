package server_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"testing/fstest"

	"transportlab/internal/feed"
	"transportlab/internal/server"
)

// memoryServerEnv, when set, makes the test binary the server that
// BenchmarkConnMemory measures, rather than run tests (see TestMain).
const memoryServerEnv = "TRANSPORTLAB_MEMORY_SERVER"

// BenchmarkConnMemory measures what one open connection costs the server
// alone: its heap and goroutine stacks, in B/conn, and its goroutines, in
// goroutines/conn. BenchmarkDeliver's B/conn counts both ends, since its
// clients share its process; here the server is a process of its own (this
// test binary, run again as the server: serveForMemory), which collects its
// garbage before each measurement, so that only what the connections hold
// is counted. The feed runs at 10 events a second meanwhile, as in class,
// so that what a connection allocates on its first events is counted too.
// An op is opening the clients and measuring.
func BenchmarkConnMemory(b *testing.B) {
	for _, transport := range []string{"sse", "ws", "socketio"} {
		b.Run(transport, func(b *testing.B) {
			const clients = 1000
			srv := startMemoryServer(b)
			var perConn, goroutines float64
			for b.Loop() {
				before := srv.measure(b)
				var readers sync.WaitGroup
				got := make(chan struct{}, clients)
				closers := make([]func(), 0, clients)
				for range clients {
					next, closeFn := dial(b, srv.url, transport)
					closers = append(closers, closeFn)
					readers.Go(func() { // reads on, as a page does: pings are answered
						for first := true; next() == nil; first = false {
							if first {
								got <- struct{}{}
							}
						}
					})
				}
				for range clients { // an event on each: every connection is under way
					<-got
				}
				after := srv.measure(b)
				perConn = float64(after.bytes-before.bytes) / clients
				goroutines = float64(after.goroutines-before.goroutines) / clients
				for _, c := range closers {
					c()
				}
				readers.Wait()
			}
			b.ReportMetric(perConn, "B/conn")
			b.ReportMetric(goroutines, "goroutines/conn")
		})
	}
}

// memoryServer is the server process of BenchmarkConnMemory.
type memoryServer struct {
	url string
	in  *bufio.Writer
	out *bufio.Scanner
}

// use is what the server process holds: heap and stacks, after a
// collection, and its goroutines.
type use struct{ bytes, goroutines int64 }

func startMemoryServer(b *testing.B) *memoryServer {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), memoryServerEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close() // the server process exits at the end of its input
		cmd.Wait()
	})
	s := &memoryServer{in: bufio.NewWriter(stdin), out: bufio.NewScanner(stdout)}
	if !s.out.Scan() {
		b.Fatal("the server process said nothing")
	}
	if _, err := fmt.Sscan(s.out.Text(), &s.url); err != nil {
		b.Fatalf("the server process said %q: %v", s.out.Text(), err)
	}
	return s
}

// measure asks the server process what it holds now.
func (s *memoryServer) measure(b *testing.B) use {
	b.Helper()
	s.in.WriteString("measure\n")
	s.in.Flush()
	var u use
	if !s.out.Scan() {
		b.Fatal("the server process did not answer")
	}
	if _, err := fmt.Sscan(s.out.Text(), &u.bytes, &u.goroutines); err != nil {
		b.Fatalf("the server process said %q: %v", s.out.Text(), err)
	}
	return u
}

// serveForMemory is the server process of BenchmarkConnMemory: it serves
// the feed at 10 events a second on loopback, as transportlab does, prints
// where, and for each line it reads
// prints the bytes of heap and stacks it holds after a collection, and its
// goroutines. It returns at the end of its input.
func serveForMemory() error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hub := feed.NewHub(feed.Config{Rate: 10})
	defer hub.Close()
	go feed.Quotes(ctx, hub, rand.New(rand.NewPCG(1, 2)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: server.New(hub, slog.New(slog.DiscardHandler), server.Config{Page: fstest.MapFS{}})}
	go hs.Serve(server.Install(hs, ln))
	defer hs.Close()
	fmt.Printf("http://%s\n", ln.Addr())
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		runtime.GC()
		runtime.GC() // what the first one freed, finalizers and all
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		fmt.Println(strconv.FormatUint(m.HeapInuse+m.StackInuse, 10), runtime.NumGoroutine())
	}
	return in.Err()
}

// serveForMemoryIfAsked serves for memory, and exits, when this test
// binary was started as BenchmarkConnMemory's server process.
func serveForMemoryIfAsked() {
	if os.Getenv(memoryServerEnv) == "" {
		return
	}
	if err := serveForMemory(); err != nil {
		fmt.Fprintln(os.Stderr, "memory server:", err)
		os.Exit(1)
	}
	os.Exit(0)
}
