// Package httpwrap holds what ccflow wraps its HTTP handlers in, once for
// the API, the console and the request metrics: a recorder of the status a
// handler wrote, an access log and panic recovery.
package httpwrap

import "net/http"

// Recorder is a ResponseWriter that remembers the first status written.
type Recorder struct {
	http.ResponseWriter
	status int
}

// NewRecorder wraps w.
func NewRecorder(w http.ResponseWriter) *Recorder { return &Recorder{ResponseWriter: w} }

// WriteHeader remembers status and writes it.
func (r *Recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write writes b, remembering 200 when no status was written before, as
// net/http does.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Status is the status written: 200 when the handler wrote nothing, as
// net/http then answers.
func (r *Recorder) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}
