package ws

import (
	"encoding/json"
	"testing"
	"transportlab/internal/wsframe"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// FuzzParse checks that any client message is either taken, as a ping or a
// message, or refused with a close status and a reason that fits in a close
// frame: never a panic, never silence.
func FuzzParse(f *testing.F) {
	f.Add(true, []byte(`{"kind":"ping","id":7}`))
	f.Add(true, []byte(`{"kind":"message","text":"hello, class"}`))
	f.Add(true, []byte(`{"kind":`))
	f.Add(true, []byte(`{"kind":"shout"}`))
	f.Add(false, []byte(`{"kind":"ping"}`))
	f.Fuzz(func(t *testing.T, text bool, b []byte) {
		typ := websocket.MessageBinary
		if text {
			typ = websocket.MessageText
		}
		m, code, err := parse(typ, b)
		if err != nil {
			if code == 0 {
				t.Errorf("parse(%q) refused with %v but no close status", b, err)
			}
			if reason := wsframe.CloseReason(err.Error()); len(reason) > 123 || !utf8.ValidString(reason) && utf8.ValidString(err.Error()) {
				t.Errorf("close reason %q does not fit a close frame", reason)
			}
			return
		}
		if m.Kind != "ping" && m.Kind != "message" {
			t.Errorf("parse(%q) took kind %q", b, m.Kind)
		}
		if len(m.ID) > 0 && !json.Valid(m.ID) {
			t.Errorf("parse(%q) took an id %q that would echo as invalid JSON", b, m.ID)
		}
	})
}
