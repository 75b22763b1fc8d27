// Package web holds the page: plain HTML, CSS and ES modules, embedded in
// the binary so that the server is one file. Read index.html first, then
// js/main.js, which says where each part of the page lives; each transport
// has one module in js/transports/ keeping one contract (js/transports/shared.js),
// and js/stats.js, js/clock.js, js/url.js and their kin hold the pure logic,
// tested with node --test (the tests are in tests/, which is not served).
// instructor.html is classroom mode's page, a template that internal/class
// fills in with the students' addresses; js/instructor.js says its words.
// vendor/ holds the one library the page runs as its authors publish it,
// socket.io-client's ESM build, pinned by the version in its folder's name.
package web

import "embed"

// Files are the page's files, served at /.
//
//go:embed index.html instructor.html style.css js vendor
var Files embed.FS
