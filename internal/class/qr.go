package class

import (
	"fmt"
	"io"
	"strings"

	"rsc.io/qr"
)

// quiet is the margin of light modules around a QR code that readers need
// to find it: four, as the standard asks.
const quiet = 4

// code encodes text at level M, which survives a smudged projector or a
// shaky phone, and stays small for a short URL.
func code(text string) (*qr.Code, error) {
	c, err := qr.Encode(text, qr.M)
	if err != nil {
		return nil, fmt.Errorf("encoding %q as a QR code: %w", text, err)
	}
	return c, nil
}

// dark reports whether the module at (x, y) is dark, counting the quiet
// margin: outside the code, every module is light.
func dark(c *qr.Code, x, y int) bool {
	x, y = x-quiet, y-quiet
	return x >= 0 && y >= 0 && x < c.Size && y < c.Size && c.Black(x, y)
}

// WriteTerminalQR draws text's QR code on w with half-block characters,
// two rows of modules per line of text, so that it keeps its square shape
// in a terminal. It asks the terminal for black on white, which a phone
// reads whatever the terminal's own colours.
func WriteTerminalQR(w io.Writer, text string) error {
	c, err := code(text)
	if err != nil {
		return err
	}
	const (
		blackOnWhite = "\x1b[30;107m"
		reset        = "\x1b[0m"
	)
	side := c.Size + 2*quiet
	var b strings.Builder
	for y := 0; y < side; y += 2 {
		b.WriteString(blackOnWhite)
		for x := range side {
			top, bottom := dark(c, x, y), dark(c, x, y+1)
			switch {
			case top && bottom:
				b.WriteString("█")
			case top:
				b.WriteString("▀")
			case bottom:
				b.WriteString("▄")
			default:
				b.WriteString(" ")
			}
		}
		b.WriteString(reset + "\n")
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// SVG returns text's QR code as an SVG element, one unit a module, with
// its quiet margin: the page scales it to any size and it stays sharp.
// Its only variable part is numbers, so it is safe to put in HTML as it is.
func SVG(text string) (string, error) {
	c, err := code(text)
	if err != nil {
		return "", err
	}
	side := c.Size + 2*quiet
	var path strings.Builder
	for y := range c.Size {
		for x := range c.Size {
			if c.Black(x, y) {
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	return fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		side, side, side, side, path.String()), nil
}
