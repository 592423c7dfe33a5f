package httpwrap

import (
	"errors"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// AccessLog logs one line per request: method, path, status, duration.
type AccessLog struct {
	Log *slog.Logger
	// Path is the path the log shows; it leaves out what must not be
	// logged (a customer's token). Nil: the URL's path.
	Path func(*http.Request) string
	// Quiet tells the requests logged at debug level only, such as
	// probes and static files; nil: none.
	Quiet func(r *http.Request, status int) bool
}

// Wrap logs every request next serves.
func (a AccessLog) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := NewRecorder(w)
		next.ServeHTTP(rec, r)
		level := slog.LevelInfo
		if a.Quiet != nil && a.Quiet(r, rec.Status()) {
			level = slog.LevelDebug
		}
		a.Log.Log(r.Context(), level, "http request",
			slog.String("method", Method(r.Method)), slog.String("path", a.path(r)),
			slog.Int("status", rec.Status()), slog.Duration("duration", time.Since(start)))
	})
}

func (a AccessLog) path(r *http.Request) string {
	if a.Path == nil {
		return r.URL.Path
	}
	return a.Path(r)
}

// Recover answers a request whose handler panicked with internalError
// instead of dropping the connection, and logs the panic with its stack.
// http.ErrAbortHandler, the way to drop a connection on purpose, passes.
func (a AccessLog) Recover(next http.Handler, internalError func(http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			a.Log.ErrorContext(r.Context(), "handler panicked",
				slog.String("method", Method(r.Method)), slog.String("path", a.path(r)),
				slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			internalError(w)
		}()
		next.ServeHTTP(w, r)
	})
}
