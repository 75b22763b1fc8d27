// Package web holds the page: plain HTML, CSS and ES modules, embedded in
// the binary so that the server is one file. Read index.html first, then
// js/main.js; each transport has one module in js/transports/ with the same
// small interface. The logic that touches no DOM (js/stats.js, plot.js,
// clock.js, costs.js, hints.js, inspector.js, sim.js, messages.js, url.js,
// …) lives in modules of its own, each tested with node --test in tests/,
// which is not served. The *_test.go files here drive the page in headless
// Chromium against the real server.
package web

import "embed"

// Files are the page's files, served at /.
//
//go:embed index.html style.css js
var Files embed.FS
