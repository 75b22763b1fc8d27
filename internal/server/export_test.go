package server

import "net/http"

// PagesKept returns how many pages the server New returned keeps: a test
// of what a made-up key costs reads it.
func PagesKept(h http.Handler) int {
	return h.(*server).pages.Len()
}

// CPUSeconds returns the CPU time this process has used: a benchmark's
// cost on a busy machine, where the time it takes says less.
var CPUSeconds = cpuSeconds
