// Command transportlab serves one live feed three ways (short polling,
// Server-Sent Events and a WebSocket) and a page that shows, side by side,
// how late each event arrives and how many requests each transport spends.
//
//	$ transportlab                # then open http://localhost:8005
//	$ transportlab -class         # for a room: prints the students' and the instructor's links
//	$ transportlab -h             # every flag, with its environment variable
//	$ transportlab bench -url http://localhost:8005 -clients 300   # what a class costs
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"transportlab/internal/bench"
	"transportlab/internal/class"
	"transportlab/internal/clientaddr"
	"transportlab/internal/feed"
	"transportlab/internal/server"
	"transportlab/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		// -h printed the usage: asking for help is no failure.
	case err != nil:
		fmt.Fprintln(os.Stderr, "transportlab:", err)
		os.Exit(1)
	}
}

// shutdownGrace bounds a shutdown: streams get this long to say goodbye.
const shutdownGrace = 5 * time.Second

// minPeriod bounds the heartbeat, ping and write timeout from below: each
// is cut into shorter ticks, which must stay above zero.
const minPeriod = 10 * time.Millisecond

// messageBurst is how many messages a client may send at once before
// -message-rate applies.
const messageBurst = 5

// refusalHold is how long a request over a limit waits for its 429: a
// second, the least Retry-After says, so a client that obeys loses
// nothing, and one in a loop that does not sends a request a second on
// each connection rather than as many as the server can refuse.
const refusalHold = time.Second

// config is what the flags set.
type config struct {
	addr            string
	rate            float64
	history         int
	maxStreams      int
	maxStreamsPerIP int
	maxPagesPerIP   int
	heartbeat       time.Duration
	ping            time.Duration
	writeTimeout    time.Duration
	messageRate     float64
	origins         string
	logLevel        slog.Level
	class           bool   // classroom mode
	classToken      string // the instructor's token; empty: a random one

	// Limits per address (server.DefaultPerAddress says why each is what
	// it is), and whether any limit per page or address holds (-limits).
	messagesPerIP, pollsPerIP, pagesPerIP, streamsPerIPRate rate
	limits                                                  bool
	trustedProxies                                          string // CIDRs, checked by parseFlags
}

// rate is a flag's "PER_SECOND,BURST": so many a second after a burst. A
// number alone changes the rate and keeps the burst; 0 means no limit.
type rate server.Rate

func (r *rate) String() string {
	return strconv.FormatFloat(r.PerSecond, 'g', -1, 64) + "," + strconv.Itoa(r.Burst)
}

func (r *rate) Set(s string) error {
	perSecond, burst, hasBurst := strings.Cut(s, ",")
	n, err := strconv.ParseFloat(strings.TrimSpace(perSecond), 64)
	if err != nil || !(n >= 0) || math.IsInf(n, 1) {
		return errors.New("want PER_SECOND[,BURST]: a number, 0 (no limit) or more, then a whole number from 1")
	}
	b := r.Burst
	if hasBurst {
		if b, err = strconv.Atoi(strings.TrimSpace(burst)); err != nil || b < 1 {
			return errors.New("want PER_SECOND[,BURST]: the burst a whole number from 1")
		}
	}
	r.PerSecond, r.Burst = n, b
	return nil
}

// tokenChars are the characters a chosen -class-token may hold: those a URL
// carries unescaped.
const tokenChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"

// minTokenLen is the shortest -class-token: 16 characters, some 96 bits
// when chosen at random.
const minTokenLen = 16

// classAddr is where classroom mode listens unless told: every interface,
// so that the students' laptops reach it.
const classAddr = ":8005"

// interfaceAddrs lists the machine's addresses, for the students' links;
// tests replace it, so that they never depend on, nor dial, the machine's
// own network.
var interfaceAddrs = net.InterfaceAddrs

// parseFlags reads the flags of args, each defaulting to an environment
// variable read through getenv, so that containers and make run can set them.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	d := server.DefaultPerAddress
	cfg := config{
		messagesPerIP: rate(d.Messages), pollsPerIP: rate(d.Polls),
		pagesPerIP: rate(d.Pages), streamsPerIPRate: rate(d.Streams),
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: %s [flags]\n\n", fs.Name())
		fmt.Fprintln(stderr, "Serves one live feed by short polling (/poll), Server-Sent Events (/sse) and a")
		fmt.Fprintln(stderr, "WebSocket (/ws), and a page at / that compares them. Each flag defaults to the")
		fmt.Fprintln(stderr, "environment variable named in brackets. With -class it serves a classroom:")
		fmt.Fprintln(stderr, "students open the printed address or scan its QR code; the instructor opens")
		fmt.Fprintln(stderr, "the printed link.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.addr, "addr", "localhost:8005", "`address` to listen on, host:port; :0 picks a free port [ADDR, or PORT alone]")
	fs.Float64Var(&cfg.rate, "rate", 5, fmt.Sprintf("events per second of the generated feed, %g to %g [RATE]", feed.MinRate, feed.MaxRate))
	fs.IntVar(&cfg.history, "history", feed.DefaultHistory, "events kept so that clients can resume [HISTORY]")
	fs.IntVar(&cfg.maxStreams, "max-streams", 10000, "open SSE and WebSocket streams in all; 0 means no limit [MAX_STREAMS]")
	fs.IntVar(&cfg.maxStreamsPerIP, "max-streams-per-ip", 1000, "open streams from one client address (a class may share one); 0 means no limit [MAX_STREAMS_PER_IP]")
	fs.DurationVar(&cfg.heartbeat, "heartbeat", 15*time.Second, "how long an SSE stream may stay silent before a comment line keeps it alive [HEARTBEAT]")
	fs.DurationVar(&cfg.ping, "ping", 15*time.Second, "how often the server pings each WebSocket; one that has not answered by the next ping is closed [PING]")
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", feed.DefaultWriteTimeout, "how long one write to a stream may take before its client, which stopped reading, is cut off [WRITE_TIMEOUT]")
	fs.Float64Var(&cfg.messageRate, "message-rate", 2, fmt.Sprintf("messages a second a page may send upstream, by POST and over its WebSockets each, after a burst of %d; 0 means no limit [MESSAGE_RATE]", messageBurst))
	fs.Var(&cfg.messagesPerIP, "messages-per-ip", "`PER_SECOND,BURST`: messages a second from one client address (by POST and WebSocket, its pages together), after a burst; 0 means no limit [MESSAGES_PER_IP]")
	fs.Var(&cfg.pollsPerIP, "polls-per-ip", "`PER_SECOND,BURST`: requests to /poll a second from one client address, after a burst; 0 means no limit [POLLS_PER_IP]")
	fs.Var(&cfg.pagesPerIP, "pages-per-ip", "`PER_SECOND,BURST`: new pages (POST /api/pages) a second from one client address, after a burst; 0 means no limit [PAGES_PER_IP]")
	fs.IntVar(&cfg.maxPagesPerIP, "max-pages-per-ip", server.DefaultMaxPagesPerIP, "pages the server keeps for one client address: past it, a new page takes the place of the one seen least recently with nothing open; 0 means no limit but the server's own [MAX_PAGES_PER_IP]")
	fs.Var(&cfg.streamsPerIPRate, "streams-per-ip-rate", "`PER_SECOND,BURST`: new SSE and WebSocket connections a second from one client address, after a burst; 0 means no limit [STREAMS_PER_IP_RATE]")
	fs.BoolVar(&cfg.limits, "limits", true, "false lifts every limit per page and per address at once (-message-rate, -max-pages-per-ip and the -*-per-ip rates, not -max-streams*), for load tests from one machine [LIMITS]")
	fs.StringVar(&cfg.trustedProxies, "trusted-proxies", "", "comma-separated `CIDRs` of the reverse proxies in front of the server (their own addresses, never a network with students in it), whose X-Forwarded-For or Forwarded names the client; none: a client is its socket's address [TRUSTED_PROXIES]")
	fs.StringVar(&cfg.origins, "origins", "", "comma-separated `hosts` whose pages may open a WebSocket besides this server's own [ORIGINS]")
	fs.BoolVar(&cfg.class, "class", false, "classroom mode: listen on every interface ("+classAddr+" unless -addr), print the students' links with a QR code, and the instructor's [CLASS]")
	fs.StringVar(&cfg.classToken, "class-token", "", "the instructor's `token` in classroom mode; empty: a new random one each run [CLASS_TOKEN]")
	fs.TextVar(&cfg.logLevel, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error [LOG_LEVEL]")

	// The environment overrides the built-in defaults and the command line
	// overrides both. A bad value in the environment is an error that names
	// it, never silently the default.
	env := map[string]string{
		"addr": "ADDR", "rate": "RATE", "history": "HISTORY", "max-streams": "MAX_STREAMS",
		"max-streams-per-ip": "MAX_STREAMS_PER_IP", "heartbeat": "HEARTBEAT", "ping": "PING",
		"write-timeout": "WRITE_TIMEOUT", "message-rate": "MESSAGE_RATE", "origins": "ORIGINS", "log-level": "LOG_LEVEL",
		"class": "CLASS", "class-token": "CLASS_TOKEN",
		"messages-per-ip": "MESSAGES_PER_IP", "polls-per-ip": "POLLS_PER_IP", "pages-per-ip": "PAGES_PER_IP",
		"streams-per-ip-rate": "STREAMS_PER_IP_RATE", "max-pages-per-ip": "MAX_PAGES_PER_IP", "limits": "LIMITS", "trusted-proxies": "TRUSTED_PROXIES",
	}
	if port := getenv("PORT"); port != "" && getenv("ADDR") == "" {
		fs.Set("addr", ":"+port)
	}
	for name, variable := range env {
		if v := getenv(variable); v != "" {
			if err := fs.Set(name, v); err != nil {
				return cfg, fmt.Errorf("%s=%q: %w", variable, v, err)
			}
		}
	}
	if err := fs.Parse(args[1:]); err != nil {
		return cfg, err
	}
	addrSet := false // by -addr, ADDR or PORT: fs.Set counts as set too
	fs.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	if cfg.class && !addrSet {
		cfg.addr = classAddr
	}
	if _, err := clientaddr.ParseProxies(cfg.trustedProxies); err != nil {
		return cfg, fmt.Errorf("-trusted-proxies: %w", err)
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case !(cfg.rate >= feed.MinRate && cfg.rate <= feed.MaxRate): // false for NaN too
		return cfg, fmt.Errorf("-rate must be from %g to %g events per second", feed.MinRate, feed.MaxRate)
	case cfg.history < 1 || cfg.history > feed.MaxHistory:
		return cfg, fmt.Errorf("-history must be from 1 to %d", feed.MaxHistory)
	case cfg.maxStreams < 0 || cfg.maxStreamsPerIP < 0 || cfg.maxPagesPerIP < 0:
		return cfg, errors.New("-max-streams, -max-streams-per-ip and -max-pages-per-ip must be 0 (no limit) or more")
	case cfg.heartbeat < minPeriod:
		return cfg, fmt.Errorf("-heartbeat must be at least %v", minPeriod)
	case cfg.ping < minPeriod:
		return cfg, fmt.Errorf("-ping must be at least %v", minPeriod)
	case cfg.writeTimeout < minPeriod:
		return cfg, fmt.Errorf("-write-timeout must be at least %v", minPeriod)
	case !(cfg.messageRate >= 0) || math.IsInf(cfg.messageRate, 1):
		return cfg, errors.New("-message-rate must be a number, 0 (no limit) or more")
	case cfg.classToken != "" && (strings.Trim(cfg.classToken, tokenChars) != "" || len(cfg.classToken) < minTokenLen || len(cfg.classToken) > 256):
		// It travels in a link as it is: nothing to escape. Shorter ones
		// can be guessed, backoff or not.
		return cfg, fmt.Errorf("-class-token must be from %d to 256 letters, digits, '-', '_', '.' or '~'", minTokenLen)
	}
	return cfg, nil
}

// run is the whole program, with its inputs passed in so tests can run it.
// `transportlab bench …` loads a running server instead of being one.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 1 && args[1] == "bench" {
		return bench.Run(ctx, args[2:], stdout, stderr)
	}
	cfg, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close() // when run fails before serving; a second Close is harmless
	var room *classroom
	if cfg.class {
		if room, err = newClassroom(cfg.classToken, ln.Addr()); err != nil {
			return err
		}
	}

	hub := feed.NewHub(feed.Config{History: cfg.history, Rate: cfg.rate})
	var origins []string
	for o := range strings.SplitSeq(cfg.origins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	proxies, err := clientaddr.ParseProxies(cfg.trustedProxies) // checked by parseFlags
	if err != nil {
		return err
	}
	messageRate, maxPagesPerIP, perAddress := cfg.messageRate, cfg.maxPagesPerIP, server.PerAddress{
		Messages: server.Rate(cfg.messagesPerIP),
		Polls:    server.Rate(cfg.pollsPerIP),
		Pages:    server.Rate(cfg.pagesPerIP),
		Streams:  server.Rate(cfg.streamsPerIPRate),
		Class:    server.DefaultPerAddress.Class, // fixed, as a page's reports are: sized by the page's own pace
	}
	if !cfg.limits {
		messageRate, maxPagesPerIP, perAddress = 0, 0, server.PerAddress{}
		log.Warn("limits lifted (-limits=false): any page or address may send, poll and connect as fast as it can")
	}
	handler := server.New(hub, log, server.Config{
		Page:            web.Files,
		Heartbeat:       cfg.heartbeat,
		Ping:            cfg.ping,
		Origins:         origins,
		MaxStreams:      cfg.maxStreams,
		MaxStreamsPerIP: cfg.maxStreamsPerIP,
		MaxPagesPerIP:   maxPagesPerIP,
		MessageRate:     messageRate,
		MessageBurst:    messageBurst,
		PerAddress:      perAddress,
		HoldRefusals:    refusalHold,
		TrustedProxies:  proxies,
		// A stream writes at least once a heartbeat or ping period: a peer
		// that acknowledges nothing for half of that has vanished, and is
		// gone within two periods. Never less than a second, where one lost
		// packet could cut a healthy client.
		DeadPeer:     max(min(cfg.heartbeat, cfg.ping)/2, time.Second),
		WriteTimeout: cfg.writeTimeout,
		Class:        room.server(),
	})

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln = server.Install(srv, ln) // bytes counted on each connection, and each page's simulated network
	log.Info("listening", "url", "http://"+ln.Addr().String(), "epoch", hub.Epoch(), "rate", cfg.rate, "history", cfg.history)
	fmt.Fprintf(stdout, "transportlab: open http://%s\n", ln.Addr())
	if room != nil {
		log.Info("classroom mode", "students", room.students)
		if err := room.print(stdout); err != nil {
			return err
		}
	}

	// The feed and its watch on stuck writers run until run returns,
	// whatever the reason.
	ctx, stopFeed := context.WithCancel(ctx)
	var feedDone sync.WaitGroup
	defer func() {
		stopFeed()
		feedDone.Wait()
	}()
	feedDone.Go(func() { hub.Watch(ctx, cfg.writeTimeout) })
	feedDone.Go(func() {
		rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
		if err := feed.Quotes(ctx, hub, rng); err != nil && !errors.Is(err, feed.ErrClosed) {
			log.Error("feed stopped", "err", err)
		}
	})
	serveDone := make(chan error, 1)
	go func() { serveDone <- srv.Serve(ln) }()

	select {
	case err := <-serveDone:
		hub.Close()
		return err
	case <-ctx.Done():
	}
	return shutdown(srv, hub, log)
}

// shutdown ends every stream with a goodbye (WebSockets close with 1001, SSE
// responses end), answers the polls in flight, and returns within
// shutdownGrace.
func shutdown(srv *http.Server, hub *feed.Hub, log *slog.Logger) error {
	log.Info("shutting down")
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	hub.Close()
	err := srv.Shutdown(ctx) // stops listening; waits for the polls in flight
	// Streams, SSE and WebSocket alike, hijack their connections from
	// net/http, which no longer waits for them (wire.HandOff); the hub
	// knows when every subscriber has said goodbye: a stream lets go of its
	// subscription once it is over. A client that never answers a goodbye
	// is not the server's failure: the server stops waiting for it at the
	// end of the grace period.
	if werr := hub.Wait(ctx); werr != nil || err != nil {
		log.Warn("streams cut at the end of the grace period", "grace", shutdownGrace, "err", errors.Join(err, werr))
		srv.Close()
	}
	log.Info("stopped")
	return nil
}

// classroom is what classroom mode prints and serves: the students' links,
// the instructor's, and the guard and page behind the latter.
type classroom struct {
	students   []string     // where students open the page, one per LAN address
	listen     *net.TCPAddr // where the server listens: every interface, or one address
	instructor string       // the instructor's link, with the token
	auth       *class.Auth
	page       http.Handler
}

// newClassroom prepares classroom mode for a server listening at addr,
// with token, or a new random one when token is empty.
func newClassroom(token string, addr net.Addr) (*classroom, error) {
	if token == "" {
		token = class.NewToken()
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil, fmt.Errorf("classroom mode needs a TCP address, not %v", addr)
	}
	// Listening on every interface, students may come in on any of the
	// machine's addresses; on one address, on that one only (none, when it
	// is loopback: no other laptop reaches it).
	ifaces := []net.Addr{&net.IPAddr{IP: tcp.IP}}
	if tcp.IP.IsUnspecified() {
		var err error
		if ifaces, err = interfaceAddrs(); err != nil {
			return nil, fmt.Errorf("listing the network's addresses for the students: %w", err)
		}
	}
	c := &classroom{students: class.StudentURLs(ifaces, tcp.Port), auth: class.NewAuth(token, nil), listen: tcp}
	// The instructor is at the server's own machine: localhost, unless the
	// server listens on one address only, which is then the way in.
	host := "localhost"
	if !tcp.IP.IsUnspecified() && !tcp.IP.IsLoopback() {
		host = tcp.IP.String()
	}
	c.instructor = (&url.URL{Scheme: "http", Host: net.JoinHostPort(host, fmt.Sprint(tcp.Port)),
		Path: "/instructor", RawQuery: url.Values{"token": {token}}.Encode()}).String()
	var err error
	if c.page, err = class.NewPage(web.Files, c.students); err != nil {
		return nil, err
	}
	return c, nil
}

// server is classroom mode for server.Config: nil without it.
func (c *classroom) server() *server.Class {
	if c == nil {
		return nil
	}
	return &server.Class{Auth: c.auth, Page: c.page}
}

// print writes what the room needs: one line per address students can
// open, the QR code of the first, and the instructor's link, last, the
// line to copy.
func (c *classroom) print(w io.Writer) error {
	switch {
	case len(c.students) > 0:
	case c.listen.IP.IsLoopback():
		fmt.Fprintf(w, "students: none — the server listens on %s only, which no other laptop reaches: use -addr :%d\n", c.listen.IP, c.listen.Port)
	default:
		fmt.Fprintln(w, "students: none — this machine has no network address another laptop can reach")
	}
	for _, u := range c.students {
		fmt.Fprintf(w, "students: %s\n", u)
	}
	if len(c.students) > 0 {
		if err := class.WriteTerminalQR(w, c.students[0]); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "instructor: %s\n", c.instructor)
	return err
}
