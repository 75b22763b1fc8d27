// Package soak holds the soak test: many clients of every transport against
// one server for a while, dropping their connections at random and having
// them dropped by the server, each counting what it received, missed and
// saw twice. It runs only when asked (make soak), never in make test:
//
//	go test ./internal/soak -run Soak -soak -clients 200 -duration 60s -v
package soak
