package class

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
)

// PageFile is the instructor page's template, in the fs.FS given to
// NewPage: plain HTML with the student addresses and the QR code filled in.
const PageFile = "instructor.html"

// pageData is what the template shows.
type pageData struct {
	Students []string      // where students open the page
	QR       template.HTML // the QR code of the first, as inline SVG
}

// NewPage returns the instructor page's handler, rendered once: what it
// shows does not change while the server runs. students are the addresses
// of StudentURLs; the first gets the QR code. Put it behind Auth.Require.
func NewPage(files fs.FS, students []string) (http.Handler, error) {
	tmpl, err := template.ParseFS(files, PageFile)
	if err != nil {
		return nil, fmt.Errorf("reading the instructor page: %w", err)
	}
	data := pageData{Students: students}
	if len(students) > 0 {
		svg, err := SVG(students[0])
		if err != nil {
			return nil, err
		}
		data.QR = template.HTML(svg) // numbers only: see SVG
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("rendering the instructor page: %w", err)
	}
	page := b.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store") // only ever shown to the token's holder
		w.Header().Set("Content-Length", strconv.Itoa(len(page)))
		w.Write(page)
	}), nil
}
