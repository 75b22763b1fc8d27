package server

import (
	"bytes"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
)

// processStats is what the server process itself costs, for the class
// dashboard: beside each transport's requests and bytes, what holding a
// room's connections open does to the machine.
type processStats struct {
	Goroutines int     `json:"goroutines"` // one or two per open stream: the cost of a connection held
	CPUSeconds float64 `json:"cpuSeconds"` // user and system time since start; its rate is the load
	HeapBytes  uint64  `json:"heapBytes"`  // live objects and those not yet swept
	RSSBytes   uint64  `json:"rssBytes"`   // resident memory, as the system sees it; 0 where unknown
}

// heapMetric is read with runtime/metrics, which, unlike
// runtime.ReadMemStats, does not stop the world: cheap enough for a
// dashboard that asks every second.
const heapMetric = "/memory/classes/heap/objects:bytes"

// readProcess measures the process now.
func readProcess() processStats {
	sample := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(sample)
	var heap uint64
	if sample[0].Value.Kind() == metrics.KindUint64 {
		heap = sample[0].Value.Uint64()
	}
	return processStats{
		Goroutines: runtime.NumGoroutine(),
		CPUSeconds: cpuSeconds(),
		HeapBytes:  heap,
		RSSBytes:   rssBytes(),
	}
}

// rssBytes reads the resident set from /proc/self/statm, whose second
// field counts pages; elsewhere than Linux, or when it cannot be read, 0.
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := bytes.Fields(b)
	if len(fields) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(fields[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}
