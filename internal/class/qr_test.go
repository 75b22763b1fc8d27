package class_test

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"rsc.io/qr"

	"transportlab/internal/class"
)

const studentURL = "http://192.168.1.23:8005/"

// The terminal's QR code, read back module by module, is the code of the
// URL, with its quiet margin of four light modules.
func TestTerminalQRReadsBack(t *testing.T) {
	var b strings.Builder
	if err := class.WriteTerminalQR(&b, studentURL); err != nil {
		t.Fatal(err)
	}
	want, err := qr.Encode(studentURL, qr.M)
	if err != nil {
		t.Fatal(err)
	}
	const quiet = 4
	side := want.Size + 2*quiet
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != (side+1)/2 {
		t.Fatalf("%d lines, want %d: two rows of modules a line", len(lines), (side+1)/2)
	}
	for i, line := range lines {
		line, ok := strings.CutPrefix(line, "\x1b[30;107m") // black on white, whatever the terminal's colours
		line, ok2 := strings.CutSuffix(line, "\x1b[0m")
		if !ok || !ok2 {
			t.Fatalf("line %d %q: want black-on-white colours, reset at its end", i, line)
		}
		cells := []rune(line)
		if len(cells) != side {
			t.Fatalf("line %d is %d characters, want %d", i, len(cells), side)
		}
		for x, cell := range cells {
			top := strings.ContainsRune("█▀", cell)
			bottom := strings.ContainsRune("█▄", cell)
			if !strings.ContainsRune("█▀▄ ", cell) {
				t.Fatalf("line %d: character %q is no half block", i, cell)
			}
			for dy, got := range []bool{top, bottom} {
				y := 2*i + dy
				mx, my := x-quiet, y-quiet
				inside := mx >= 0 && my >= 0 && mx < want.Size && my < want.Size
				if exp := inside && want.Black(mx, my); got != exp {
					t.Fatalf("module (%d,%d): dark %v, want %v", x, y, got, exp)
				}
			}
		}
	}
}

// The SVG is well-formed, square with the quiet margin, and has one unit
// square per dark module.
func TestSVG(t *testing.T) {
	svg, err := class.SVG(studentURL)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		ViewBox string `xml:"viewBox,attr"`
		Path    struct {
			D string `xml:"d,attr"`
		} `xml:"path"`
	}
	if err := xml.Unmarshal([]byte(svg), &doc); err != nil {
		t.Fatalf("SVG is not well-formed: %v", err)
	}
	want, _ := qr.Encode(studentURL, qr.M)
	side := want.Size + 8
	if got := doc.ViewBox; got != fmt.Sprintf("0 0 %d %d", side, side) {
		t.Errorf("viewBox %q, want 0 0 %d %d", got, side, side)
	}
	dark := 0
	for y := range want.Size {
		for x := range want.Size {
			if want.Black(x, y) {
				dark++
			}
		}
	}
	if got := strings.Count(doc.Path.D, "h1v1h-1z"); got != dark || dark == 0 {
		t.Errorf("%d squares in the path, want %d, one per dark module", got, dark)
	}
}

// The page shows every student address as text, and the QR code of the
// first as inline SVG; with no address, it says so.
func TestNewPage(t *testing.T) {
	files := fstest.MapFS{class.PageFile: {Data: []byte(
		`<ul>{{range .Students}}<li>{{.}}</li>{{end}}</ul>{{if .Students}}<figure>{{.QR}}</figure>{{else}}<p>none</p>{{end}}`)}}
	for _, tc := range []struct {
		name     string
		students []string
		want     []string
	}{
		{"two addresses", []string{studentURL, "http://10.0.0.5:8005/<b>"},
			[]string{"<li>" + studentURL + "</li>", "<li>http://10.0.0.5:8005/&lt;b&gt;</li>", "<figure><svg "}},
		{"none", nil, []string{"<ul></ul><p>none</p>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			page, err := class.NewPage(files, tc.students)
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			page.ServeHTTP(rec, httptest.NewRequest("GET", "/instructor", nil))
			body, _ := io.ReadAll(rec.Body)
			for _, w := range tc.want {
				if !strings.Contains(string(body), w) {
					t.Errorf("page %q lacks %q", body, w)
				}
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
				t.Errorf("Content-Type %q, want text/html", got)
			}
		})
	}
	if _, err := class.NewPage(fstest.MapFS{}, nil); err == nil {
		t.Error("NewPage without its template: no error")
	}
}
