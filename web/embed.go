// Package web holds the page: plain HTML, CSS and ES modules, embedded in
// the binary so that the server is one file. Read index.html first, then
// js/main.js; each transport has one module in js/transports/ with the same
// small interface, and js/stats.js, js/clock.js and js/url.js hold the pure
// logic, tested with node --test (the tests are in tests/, which is not served).
package web

import "embed"

// Files are the page's files, served at /.
//
//go:embed index.html style.css js
var Files embed.FS
