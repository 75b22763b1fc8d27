package socketio

import (
	"encoding/json"
	"strings"
	"testing"

	"transportlab/internal/feed"
)

func TestParseSocketIO(t *testing.T) {
	tests := []struct {
		in      string
		want    sioPacket
		wantErr string // a part of the error; "" for none
	}{
		{in: "0", want: sioPacket{Type: sioConnect, Namespace: "/"}},
		{in: `0{"since":3,"epoch":"ab"}`, want: sioPacket{Type: sioConnect, Namespace: "/", Data: json.RawMessage(`{"since":3,"epoch":"ab"}`)}},
		{in: "0/admin,", want: sioPacket{Type: sioConnect, Namespace: "/admin"}},
		{in: "0/admin", want: sioPacket{Type: sioConnect, Namespace: "/admin"}},
		{in: `0/admin,{"token":"1"}`, want: sioPacket{Type: sioConnect, Namespace: "/admin", Data: json.RawMessage(`{"token":"1"}`)}},
		{in: "1", want: sioPacket{Type: sioDisconnect, Namespace: "/"}},
		{in: `2["message",{"text":"hi"}]`, want: sioPacket{Type: sioEvent, Namespace: "/", Data: json.RawMessage(`["message",{"text":"hi"}]`)}},
		{in: `212["message"]`, want: sioPacket{Type: sioEvent, Namespace: "/", HasID: true, ID: 12, Data: json.RawMessage(`["message"]`)}},
		{in: `2/chat,7["x"]`, want: sioPacket{Type: sioEvent, Namespace: "/chat", HasID: true, ID: 7, Data: json.RawMessage(`["x"]`)}},
		{in: `30[]`, want: sioPacket{Type: sioAck, Namespace: "/", HasID: true, ID: 0, Data: json.RawMessage(`[]`)}},

		{in: "", wantErr: "empty"},
		{in: "7", wantErr: "unknown"},
		{in: `51-["x",{"_placeholder":true,"num":0}]`, wantErr: "binary"},
		{in: `4{"message":"no"}`, wantErr: "unknown"},
		{in: "0[1]", wantErr: "object"},
		{in: "0{", wantErr: "not JSON"},
		{in: "1{}", wantErr: "no payload"},
		{in: "2", wantErr: "array"},
		{in: "2[]", wantErr: "array"},
		{in: `2{"a":1}`, wantErr: "array"},
		{in: "2[1]", wantErr: "name"},
		{in: `299999999999999999999["x"]`, wantErr: "ack id"},
		{in: `29007199254740992["x"]`, wantErr: "ack id"},
		{in: "3", wantErr: "array"},
	}
	for _, tt := range tests {
		got, err := parseSocketIO([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseSocketIO(%q) error = %v, want one saying %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseSocketIO(%q): %v", tt.in, err)
			continue
		}
		if got.Type != tt.want.Type || got.Namespace != tt.want.Namespace || got.HasID != tt.want.HasID ||
			got.ID != tt.want.ID || string(got.Data) != string(tt.want.Data) {
			t.Errorf("parseSocketIO(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestParsePacket(t *testing.T) {
	tests := []struct {
		in       string
		wantType byte
		wantData string
		wantErr  bool
	}{
		{in: "2", wantType: eioPing},
		{in: "3", wantType: eioPong},
		{in: "2probe", wantType: eioPing, wantData: "probe"},
		{in: `42["message",{"text":"hi"}]`, wantType: eioMessage, wantData: `2["message",{"text":"hi"}]`},
		{in: "5", wantType: eioUpgrade},
		{in: "", wantErr: true},
		{in: "bAQIDBA==", wantErr: true},
		{in: "7", wantErr: true},
		{in: "abc", wantErr: true},
	}
	for _, tt := range tests {
		typ, data, err := parsePacket([]byte(tt.in))
		if (err != nil) != tt.wantErr {
			t.Errorf("parsePacket(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && (typ != tt.wantType || string(data) != tt.wantData) {
			t.Errorf("parsePacket(%q) = %q, %q; want %q, %q", tt.in, typ, data, tt.wantType, tt.wantData)
		}
	}
}

func TestSplitPayload(t *testing.T) {
	got, err := splitPayload([]byte("40\x1e3\x1e42[\"message\",{\"text\":\"a\"}]"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"40", "3", `42["message",{"text":"a"}]`}
	if len(got) != len(want) {
		t.Fatalf("splitPayload = %q, want %q", got, want)
	}
	for i := range want {
		if string(got[i]) != want[i] {
			t.Errorf("packet %d = %q, want %q", i, got[i], want[i])
		}
	}
	if _, err := splitPayload(nil); err == nil {
		t.Error("splitPayload of an empty body: no error")
	}
}

func TestEncode(t *testing.T) {
	f := &feed.Frame{Seq: 42, JSON: []byte(`{"seq":42,"kind":"quote"}`)}
	b, events, size := appendPacket(nil, packet{frame: f})
	if got, want := string(b), `42["event",{"seq":42,"kind":"quote"}]`; got != want {
		t.Errorf("event packet = %s, want %s", got, want)
	}
	if events != 1 || size != len(f.JSON) {
		t.Errorf("event packet counts %d events of %d bytes, want 1 of %d", events, size, len(f.JSON))
	}
	// A WebSocket's frame header gives a packet's length before the
	// packet is encoded into the frame.
	for _, p := range []packet{{frame: f}, {text: "2"}, {text: connectPacket("abc")}} {
		b, _, _ := appendPacket(nil, p)
		if got := packetLen(p); got != len(b) {
			t.Errorf("packetLen(%s) = %d, want %d", b, got, len(b))
		}
	}
	for _, tt := range []struct{ got, want string }{
		{connectPacket("abc"), `40{"sid":"abc"}`},
		{connectErrorPacket("/", "bad"), `44{"message":"bad"}`},
		{connectErrorPacket("/admin", "Invalid namespace"), `44/admin,{"message":"Invalid namespace"}`},
		{ackPacket(7, []byte(`{"seq":3}`)), `437[{"seq":3}]`},
		{openPacket(handshake{SID: "s", Upgrades: []string{"websocket"}, PingInterval: 25000, PingTimeout: 20000, MaxPayload: 1000000}),
			`0{"sid":"s","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`},
	} {
		if tt.got != tt.want {
			t.Errorf("encoded %s, want %s", tt.got, tt.want)
		}
	}
}

func TestPosition(t *testing.T) {
	tests := []struct {
		auth    string
		want    feed.Position
		wantErr bool
	}{
		{auth: "", want: feed.Position{}},
		{auth: `{}`, want: feed.Position{}},
		{auth: `{"since":41,"epoch":"5f0c"}`, want: feed.Position{Resume: true, Since: 41, Epoch: "5f0c"}},
		{auth: `{"since":"41"}`, want: feed.Position{Resume: true, Since: 41}},
		{auth: `{"since":null,"token":"x"}`, want: feed.Position{}},
		{auth: `{"since":-1}`, wantErr: true},
		{auth: `{"since":1.5}`, wantErr: true},
		{auth: `{"since":true}`, wantErr: true},
		{auth: `{"epoch":"NOT-HEX"}`, wantErr: true},
		{auth: `{"epoch":3}`, wantErr: true},
	}
	for _, tt := range tests {
		got, err := position(json.RawMessage(tt.auth))
		if (err != nil) != tt.wantErr {
			t.Errorf("position(%s) error = %v, want error %v", tt.auth, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("position(%s) = %+v, want %+v", tt.auth, got, tt.want)
		}
	}
}

// FuzzPacket feeds anything a client could send through the parsers: they
// answer or refuse, never panic, and what they take is well formed.
func FuzzPacket(f *testing.F) {
	for _, s := range []string{"40", `40{"since":1}`, `42["message",{"text":"hi"}]`, `4212["message"]`, "2probe", "5",
		"40/admin,", `451-["x",{}]`, "4\x1e3", "", "b", `43`, `41{}`, `42/x,["a"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		packets, err := splitPayload(body)
		if err != nil {
			return
		}
		for _, p := range packets {
			typ, data, err := parsePacket(p)
			if err != nil || typ != eioMessage {
				continue
			}
			sp, err := parseSocketIO(data)
			if err != nil {
				continue
			}
			if len(sp.Data) > 0 && !json.Valid(sp.Data) {
				t.Errorf("parseSocketIO(%q) took invalid JSON %q", data, sp.Data)
			}
			if sp.Type == sioEvent {
				if _, _, err := eventArgs(sp.Data); err != nil {
					t.Errorf("parseSocketIO(%q) took an event without a name: %v", data, err)
				}
			}
			if sp.Type == sioConnect {
				position(sp.Data) // never panics
			}
		}
	})
}
