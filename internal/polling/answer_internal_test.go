package polling

import (
	"math"
	"testing"

	"transportlab/internal/feed"
)

// answerSize leaves room for the longest answer appendAnswer writes:
// it allocates once.
func TestAnswerSizeIsEnough(t *testing.T) {
	frames := []*feed.Frame{{Seq: 1, JSON: []byte(`{"seq":1}`)}, {Seq: 2, JSON: []byte(`{"seq":2}`)}}
	hello := feed.Hello{Epoch: "5f0c9a3e7d21b4c8", Head: math.MaxUint64, Missed: math.MaxUint64, Reset: true}
	b := make([]byte, 0, answerSize(frames, hello))
	if got := appendAnswer(b, frames, hello); cap(got) != cap(b) {
		t.Errorf("the answer %s took %d bytes, more than answerSize's %d", got, len(got), cap(b))
	}
}
