package server_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"testing/fstest"

	"transportlab/internal/class"
	"transportlab/internal/server"
)

// Without classroom mode the class routes do not exist, whoever asks.
func TestClassRoutesAreNotFoundWithoutClass(t *testing.T) {
	srv, _ := newServer(t, server.Config{})
	key, _ := mint(t, srv)
	for _, path := range []string{"/instructor", "/instructor?token=anything", "/api/class", "/api/class/follow", "/api/class/follow?version=1&client=" + key} {
		resp := refused(t, srv, path, http.Header{"Authorization": {"Bearer anything"}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
		}
		errorOf(t, resp, "not_found")
	}
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPut, "/api/class", `{"paused":true}`},
		{http.MethodPost, "/api/class/drop", `{"transport":"sse"}`},
		{http.MethodPost, "/api/class/run", ``},
		{http.MethodPost, "/api/class/report?client=" + key, `{}`},
	} {
		resp, _ := call(t, srv, r.method, r.path, r.body, bearer)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s: status %d, want 404", r.method, r.path, resp.StatusCode)
		}
	}
	var answer map[string]any
	getJSON(t, srv, "/api/stats", &answer)
	if _, ok := answer["class"]; ok {
		t.Errorf("/api/stats without classroom mode has class: %v, want no such field", answer["class"])
	}
}

// In classroom mode the printed link opens the instructor page, and the
// page's address no longer holds the token.
func TestInstructorPageInClassMode(t *testing.T) {
	const token = "T0KEN"
	files := fstest.MapFS{class.PageFile: {Data: []byte(`<ul>{{range .Students}}<li>{{.}}</li>{{end}}</ul>{{.QR}}`)}}
	page, err := class.NewPage(files, []string{"http://192.168.1.23:8005/"})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(t, server.Config{Class: &server.Class{Auth: class.NewAuth(token, nil), Page: page}})

	resp := refused(t, srv, "/instructor", nil)
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /instructor without the token: status %d, want 401", resp.StatusCode)
	}
	errorOf(t, resp, "unauthorized")

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	browser := *srv.Client()
	browser.Jar = jar
	resp, err = browser.Get(srv.URL + "/instructor?token=" + token)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the printed link: status %d, want 200", resp.StatusCode)
	}
	if got := resp.Request.URL.RequestURI(); got != "/instructor" {
		t.Errorf("landed on %q, want /instructor, without the token", got)
	}
	for _, want := range []string{"<li>http://192.168.1.23:8005/</li>", "<svg "} {
		if !strings.Contains(string(body), want) {
			t.Errorf("instructor page %q lacks %q", body, want)
		}
	}
}
