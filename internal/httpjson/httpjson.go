// Package httpjson is the one pair of helpers through which every handler
// answers in JSON, so that every answer and every error has the same shape:
// an error is {"error":"<reason in English>","code":"<code>"}. The reason is
// for people reading curl's output; the code is for programs, such as the
// page, which says the reason in its own words and language.
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The codes of error answers. Most follow from the status (see Error); the
// others tell apart what one status means in several places.
const (
	BadRequest       = "bad_request"        // 400: a malformed query value or body
	BadKey           = "bad_key"            // 400: a ?client= this run of the server did not mint
	Unauthorized     = "unauthorized"       // 401: a class route without the instructor's token, or a wrong one
	Forbidden        = "forbidden"          // 403
	MessagesOff      = "messages_off"       // 403: the instructor turned students' messages off
	Muted            = "muted"              // 403: the instructor muted this page's messages
	Disconnected     = "disconnected"       // 403: the instructor disconnected this page: its key is refused for this run
	WebSocketBlocked = "websocket_blocked"  // 403: the page's simulated network refuses WebSocket upgrades, as some proxies do
	NotFound         = "not_found"          // 404: no such endpoint
	AmbiguousName    = "ambiguous_name"     // 409: an instructor's act names more than one page present
	MethodNotAllowed = "method_not_allowed" // 405
	TooLarge         = "too_large"          // 413: a body over the limit
	TooManyMessages  = "too_many_messages"  // 429: a client's message rate exceeded
	TooManyGuesses   = "too_many_guesses"   // 429: wrong instructor tokens from one address, for a while
	TooManyRequests  = "too_many_requests"  // 429: class changes, or a page's reports, too often
	Internal         = "internal"           // 500: a recovered panic, an answer that would not encode

	// Three reasons for a 503, each with its own code.
	TooManyStreams = "too_many_streams" // a stream cap is reached
	TooManyPages   = "too_many_pages"   // the page registry is full
	ShuttingDown   = "shutting_down"    // the server is stopping
)

// codes are the codes that follow from a status alone.
var codes = map[int]string{
	http.StatusBadRequest:            BadRequest,
	http.StatusUnauthorized:          Unauthorized,
	http.StatusForbidden:             Forbidden,
	http.StatusNotFound:              NotFound,
	http.StatusMethodNotAllowed:      MethodNotAllowed,
	http.StatusRequestEntityTooLarge: TooLarge,
	http.StatusTooManyRequests:       TooManyMessages,
	http.StatusInternalServerError:   Internal,
}

// Write answers with status and v encoded as JSON, never cached: every
// answer of this server describes a live feed.
func Write(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the answers are data, never embedded in HTML
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"error":"cannot encode the answer","code":"` + Internal + `"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// errorAnswer is the body of every error answer.
type errorAnswer struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Error answers with status and {"error": err's text, "code": ...}, the code
// that follows from status. Where one status has several meanings (503),
// use ErrorCode.
func Error(w http.ResponseWriter, status int, err error) {
	ErrorCode(w, status, CodeOf(status), err)
}

// ErrorCode answers with status and {"error": err's text, "code": code}.
func ErrorCode(w http.ResponseWriter, status int, code string, err error) {
	Write(w, status, errorAnswer{Error: err.Error(), Code: code})
}

// CodeOf returns the code that follows from status: the one in the table
// above, else the status text in snake case ("service_unavailable").
func CodeOf(status int) string {
	if code, ok := codes[status]; ok {
		return code
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}

// Decode reads one JSON object of at most limit bytes from r's body into v,
// rejecting unknown fields and trailing data. It returns the status to
// answer with when the body is wrong: 413 when too large, 400 otherwise.
func Decode(w http.ResponseWriter, r *http.Request, limit int64, v any) (int, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err = dec.Token(); err == io.EOF {
			err = nil
		} else if err == nil {
			err = errors.New("unexpected data after the JSON object")
		}
	}
	var tooLarge *http.MaxBytesError
	switch {
	case err == nil:
		return http.StatusOK, nil
	case errors.As(err, &tooLarge):
		return http.StatusRequestEntityTooLarge, fmt.Errorf("body must be at most %d bytes", limit)
	case errors.Is(err, io.EOF):
		return http.StatusBadRequest, errors.New("body must be a JSON object")
	default:
		return http.StatusBadRequest, fmt.Errorf("malformed body: %w", err)
	}
}
