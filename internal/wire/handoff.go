package wire

import "net/http"

// HandOff tells r's connection that the stream answering r goes on after its
// handler returns, in a goroutine of the handler's own, on the connection the
// handler hijacked. It returns end, which that goroutine calls exactly once when
// the stream is over. ok is false when r came on no counting connection (see
// Install): the handler then serves the stream within ServeHTTP, as before.
//
// Until the middleware defers what it does at the end of an answer to the
// end of the stream, no stream is handed off: ok is always false.
func HandOff(r *http.Request) (end func(), ok bool) {
	return nil, false
}
