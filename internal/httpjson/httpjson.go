// Package httpjson is the one pair of helpers through which every handler
// answers in JSON, so that every answer and every error has the same shape.
package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Write answers with status and v encoded as JSON, never cached: every
// answer of this server describes a live feed.
func Write(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // the answers are data, never embedded in HTML
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		b.WriteString(`{"error":"cannot encode the answer"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// Error answers with status and {"error": err's text}.
func Error(w http.ResponseWriter, status int, err error) {
	Write(w, status, map[string]string{"error": err.Error()})
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
