// Package class is classroom mode's room: who may steer the class, what
// the class state is, and where the students find the server.
//
// Read auth.go first: the instructor's token becomes a cookie at
// GET /instructor?token=…, after which the address bar (on the projector)
// no longer shows it; every class route then takes that cookie or
// Authorization: Bearer, compared in constant time, refuses state changes
// from other origins, and slows down an address that keeps guessing.
// token.go mints the token, students.go lists the addresses students can
// open, and qr.go draws the first of them as a QR code, in the terminal
// and as an SVG for the instructor page (page.go).
//
// state.go is the class state the instructor sets and every following
// page applies (lanes, polling interval, feed rate and pause, messages,
// network, tutorial): a change is checked whole before any of it applies,
// and wakes every follower at once. roster.go is what the dashboard shows
// of the pages: who is there, on which lane, and what they measured. Both
// know no HTTP.
package class
