package socketio

// WithPollWaits returns o with a function called each time a poll finds
// nothing to answer and waits.
func WithPollWaits(o Options, f func()) Options {
	o.pollWaits = f
	return o
}
