package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

// classLines runs the program in classroom mode with the machine's
// addresses replaced by addrs, and returns what it printed up to and with
// the instructor's line; the program stops when the test ends.
func classLines(t *testing.T, addrs []net.Addr, args ...string) []string {
	t.Helper()
	return classLinesWith(t, addrs, nil, args...)
}

// classLinesWith is classLines with the environment variables vars.
func classLinesWith(t *testing.T, addrs []net.Addr, vars map[string]string, args ...string) []string {
	t.Helper()
	saved := interfaceAddrs
	interfaceAddrs = func() ([]net.Addr, error) { return addrs, nil }
	t.Cleanup(func() { interfaceAddrs = saved })

	ctx, cancel := context.WithCancel(context.Background())
	stdout, printed := io.Pipe()
	done := make(chan error, 1)
	go func() {
		// Every interface, as a class needs; the test connects to 127.0.0.1 only.
		err := run(ctx, append([]string{"transportlab", "-class", "-addr", ":0"}, args...), env(vars), printed, io.Discard)
		printed.CloseWithError(fmt.Errorf("run returned %v", err))
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		go io.Copy(io.Discard, stdout) // run may still be printing
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run = %v, want nil after cancel", err)
			}
		case <-time.After(timeout):
			t.Error("run did not return after its context was canceled")
		}
	})

	var lines []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if strings.HasPrefix(sc.Text(), "instructor: ") {
			return lines
		}
	}
	t.Fatalf("no instructor line in %q: %v", lines, sc.Err())
	return nil
}

func ipNet(t *testing.T, cidr string) net.Addr {
	t.Helper()
	ip, n, err := net.ParseCIDR(cidr)
	if err != nil {
		t.Fatal(err)
	}
	n.IP = ip
	return n
}

// Classroom mode prints one students line per LAN address, never a
// loopback one, the QR code of the first, and the instructor's link,
// which opens the instructor page.
func TestClassPrintsTheLinks(t *testing.T) {
	lines := classLines(t, []net.Addr{ipNet(t, "127.0.0.1/8"), ipNet(t, "192.168.1.23/24"), ipNet(t, "::1/128"), ipNet(t, "10.1.2.3/8")})

	addr, ok := strings.CutPrefix(lines[0], "transportlab: open http://")
	if !ok {
		t.Fatalf("first line %q, want transportlab: open http://ADDR", lines[0])
	}
	_, port, _ := net.SplitHostPort(addr)
	var students []string
	qrLines := 0
	for _, l := range lines[1 : len(lines)-1] {
		if u, ok := strings.CutPrefix(l, "students: "); ok {
			students = append(students, u)
		} else if strings.ContainsAny(l, "█▀▄") {
			qrLines++
		}
	}
	want := []string{"http://192.168.1.23:" + port + "/", "http://10.1.2.3:" + port + "/"}
	if strings.Join(students, " ") != strings.Join(want, " ") {
		t.Errorf("students lines %q, want %q", students, want)
	}
	if qrLines < 10 {
		t.Errorf("%d lines of QR code, want a whole code:\n%s", qrLines, strings.Join(lines, "\n"))
	}

	instructor := strings.TrimPrefix(lines[len(lines)-1], "instructor: ")
	prefix := "http://localhost:" + port + "/instructor?token="
	token, ok := strings.CutPrefix(instructor, prefix)
	if !ok || len(token) < 26 {
		t.Fatalf("instructor line %q, want %s<token of 128 bits or more>", instructor, prefix)
	}

	// The printed link opens the instructor page, at an address without the token.
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: timeout}
	resp, err := client.Get(strings.Replace(instructor, "localhost", "127.0.0.1", 1)) // where the test server listens
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want[0]) || !strings.Contains(string(body), "<svg") {
		t.Errorf("the instructor link: %d, want 200 and a page with %s and its QR code", resp.StatusCode, want[0])
	}
	if strings.Contains(resp.Request.URL.String(), token) {
		t.Errorf("landed on %s, which holds the token", resp.Request.URL)
	}

	// Another run mints another token.
	again := classLines(t, nil)
	if last := again[len(again)-1]; strings.Contains(last, token) {
		t.Errorf("two runs printed the same token: %q", last)
	}
	if !strings.Contains(strings.Join(again, "\n"), "students: none") {
		t.Errorf("without a LAN address, want a students line that says so: %q", again)
	}
}

// A server that listens on loopback only is out of the students' reach:
// it says so instead of printing addresses they cannot open.
func TestClassOnLoopbackOnlySaysStudentsCannotReachIt(t *testing.T) {
	lines := classLines(t, []net.Addr{ipNet(t, "192.168.1.23/24")}, "-addr", "127.0.0.1:0")
	printed := strings.Join(lines, "\n")
	if strings.Contains(printed, "192.168.1.23") || !strings.Contains(printed, "students: none — the server listens on 127.0.0.1 only") {
		t.Errorf("printed %q, want no students' address and a line that says the server listens on 127.0.0.1 only", printed)
	}
}

// -class-token sets the token; CLASS_TOKEN too.
func TestClassToken(t *testing.T) {
	lines := classLines(t, nil, "-class-token", "chosen-token-of-ours")
	if got := lines[len(lines)-1]; !strings.HasSuffix(got, "/instructor?token=chosen-token-of-ours") {
		t.Errorf("instructor line %q, want the chosen token", got)
	}
	lines = classLinesWith(t, nil, map[string]string{"CLASS_TOKEN": "from-the-environment"})
	if got := lines[len(lines)-1]; !strings.HasSuffix(got, "/instructor?token=from-the-environment") {
		t.Errorf("instructor line %q, want the token of CLASS_TOKEN", got)
	}
}

// Without -class, the instructor page does not exist.
func TestNoClassWithoutTheFlag(t *testing.T) {
	addr, _ := start(t, "-addr", "localhost:0")
	resp, err := (&http.Client{Timeout: timeout}).Get("http://" + addr + "/instructor")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /instructor: status %d, want 404", resp.StatusCode)
	}
}

// A follow request held when the server stops is answered at once, with
// the class state: the shutdown does not wait 25 s for it.
func TestShutdownAnswersHeldFollows(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, printed := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"transportlab", "-class", "-addr", "127.0.0.1:0", "-class-token", "a-token-long-enough"}, env(nil), printed, io.Discard)
		printed.CloseWithError(fmt.Errorf("run returned %v", err))
		done <- err
	}()
	addr := make(chan string, 1)
	go func() { // read all it prints, and the address from the first line
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "transportlab: open http://"); ok {
				addr <- a
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case err := <-done:
		t.Fatalf("run = %v before printing its address", err)
	}
	url := base + "/api/class/follow?version=1&client=" + mint(t, base)

	answered := make(chan int, 1)
	go func() {
		resp, err := (&http.Client{Timeout: time.Minute}).Get(url)
		if err != nil {
			t.Errorf("GET /api/class/follow: %v", err)
			answered <- 0
			return
		}
		resp.Body.Close()
		answered <- resp.StatusCode
	}()
	// The dashboard shows the page following once its request is held.
	held := func() bool {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/class", nil)
		req.Header.Set("Authorization", "Bearer a-token-long-enough")
		resp, err := (&http.Client{Timeout: timeout}).Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var dash struct{ Students map[string]int }
		return json.NewDecoder(resp.Body).Decode(&dash) == nil && dash.Students["following"] == 1
	}
	for deadline := time.Now().Add(timeout); !held(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the follow request never showed as held")
		}
	}
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v, want nil", err)
		}
	case <-time.After(timeout):
		t.Fatal("run did not return after its context was canceled")
	}
	if status := <-answered; status != http.StatusOK {
		t.Errorf("the held follow request: status %d, want 200", status)
	}
	if d := time.Since(start); d >= shutdownGrace {
		t.Errorf("the shutdown took %v: it waited for the held follow request", d)
	}
}
