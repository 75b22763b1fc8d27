package feed

import (
	"strings"
	"testing"
)

func TestParsePosition(t *testing.T) {
	tests := []struct {
		since, epoch string
		want         Position
		wantErr      bool
	}{
		{"", "", Position{}, false},
		{"0", "", Position{Resume: true}, false},
		{"42", "5f0c9a3e7d21b4c8", Position{Resume: true, Since: 42, Epoch: "5f0c9a3e7d21b4c8"}, false},
		{"", "5f0c9a3e7d21b4c8", Position{Epoch: "5f0c9a3e7d21b4c8"}, false},
		{"18446744073709551615", "", Position{Resume: true, Since: 1<<64 - 1}, false},
		{"18446744073709551616", "", Position{}, true},
		{"-1", "", Position{}, true},
		{"+1", "", Position{}, true},
		{"1.5", "", Position{}, true},
		{" 1", "", Position{}, true},
		{"abc", "", Position{}, true},
		{"1", "XYZ", Position{}, true},
		{"1", "5F0C", Position{}, true},
		{"1", strings.Repeat("a", 65), Position{}, true},
	}
	for _, tt := range tests {
		got, err := ParsePosition(tt.since, tt.epoch)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePosition(%q, %q) error = %v, want error: %v", tt.since, tt.epoch, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("ParsePosition(%q, %q) = %+v, want %+v", tt.since, tt.epoch, got, tt.want)
		}
	}
}

func FuzzParsePosition(f *testing.F) {
	f.Add("42", "5f0c9a3e7d21b4c8")
	f.Add("", "")
	f.Add("-1", "zz")
	f.Fuzz(func(t *testing.T, since, epoch string) {
		p, err := ParsePosition(since, epoch)
		if err != nil {
			return
		}
		// Whatever is accepted is resolved by the hub without panic or silence:
		// either events, or a hello that says why there are none.
		h := NewHub(Config{History: 4})
		publish(t, h, 6)
		frames, hello := h.Since(p, 0)
		if len(frames) == 0 && p.Since != h.Head() {
			t.Errorf("Since(%+v) gave nothing and hello %+v", p, hello)
		}
	})
}

func TestMessage(t *testing.T) {
	tests := []struct {
		text    string
		wantErr bool
	}{
		{"hello, class", false},
		{"안녕하세요", false},
		{strings.Repeat("가", MaxTextLen), false},
		{strings.Repeat("a", MaxTextLen+1), true},
		{"", true},
		{"  \n\t", true},
		{"\xff\xfe", true},
		{"line one\nline two", false},
	}
	for _, tt := range tests {
		e, err := Message("abc", tt.text, "sse")
		if (err != nil) != tt.wantErr {
			t.Errorf("Message(%q) error = %v, want error: %v", tt.text, err, tt.wantErr)
			continue
		}
		if err == nil && (e.Kind != KindMessage || e.Text != tt.text || e.From != "abc" || e.Via != "sse") {
			t.Errorf("Message(%q) = %+v", tt.text, e)
		}
	}
}
