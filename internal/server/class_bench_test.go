package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"transportlab/internal/server"
)

// BenchmarkClassFollow measures how soon a change of the class state
// reaches a room: 1000 pages each hold GET /api/class/follow on its own
// loopback connection, then the instructor's PUT /api/class changes the
// state. ms/last is the time from sending the PUT until the last of the
// 1000 has its answer read; ms/median, until half of them have. Every
// page runs in this process, so the time includes reading the answers.
func BenchmarkClassFollow(b *testing.B) {
	const pages = 1000
	srv, _ := newServer(b, classConfig(server.Config{}))
	client := &http.Client{Transport: &http.Transport{
		MaxConnsPerHost:     pages + 10, // one connection per page, and the instructor's
		MaxIdleConnsPerHost: pages + 10,
	}}
	defer client.CloseIdleConnections()

	var last, median time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		before := classDo(b, srv, http.MethodGet, "/api/class", "")
		version := before.Version
		answered := make(chan time.Time, pages)
		// New pages each round: a page counts as present once its
		// request has reached the server, which the wait below sees.
		keys := make([]string, pages)
		for p := range keys {
			keys[p], _ = mint(b, srv)
		}
		for p := range pages {
			go func() {
				url := fmt.Sprintf("%s/api/class/follow?version=%d&client=%s", srv.URL, version, keys[p])
				resp, err := client.Get(url)
				if err != nil {
					b.Errorf("follow: %v", err)
					answered <- time.Time{}
					return
				}
				var st followState
				err = json.NewDecoder(resp.Body).Decode(&st)
				resp.Body.Close()
				at := time.Now()
				if err != nil || st.Version != version+1 {
					b.Errorf("follow: version %d (%v), want %d", st.Version, err, version+1)
				}
				answered <- at
			}()
		}
		if !eventually(func() bool {
			return classDo(b, srv, http.MethodGet, "/api/class", "").Students["pages"]-before.Students["pages"] >= pages
		}) {
			b.Fatalf("the %d follow requests never all reached the server", pages)
		}
		b.StartTimer()

		start := time.Now()
		classDo(b, srv, http.MethodPut, "/api/class", fmt.Sprintf(`{"interval":%d}`, 1000+(i%2+1)*250))
		times := make([]time.Duration, 0, pages)
		for range pages {
			times = append(times, (<-answered).Sub(start))
		}
		slices.Sort(times)
		last += times[pages-1]
		median += times[pages/2]
	}
	b.ReportMetric(float64(last.Microseconds())/1000/float64(b.N), "ms/last")
	b.ReportMetric(float64(median.Microseconds())/1000/float64(b.N), "ms/median")
}
