// Package console is the contact-center administrator's application, served
// by the starter under /console/: the workflow entries with their triggers
// and scenario, their versions, "Try it", the runs of each entry, the
// contact policy, and the results and answers the follow-ups gathered.
//
// Pages are rendered on the server with html/template, and every action is
// a plain form post, so the console works with the keyboard and without
// JavaScript. A little JavaScript makes it quicker to use: htmx swaps the
// part of the page a post changed instead of loading the page again,
// SortableJS drags blocks in the scenario, and console.js keeps the
// sentiment sentence in step with its slider. Both libraries are vendored
// and embedded with the console's own files: the browser asks nothing of
// any other host.
//
// The console calls the same use cases as the JSON API (usecase.Service)
// and never talks to PostgreSQL or Temporal on its own. It accepts the API's
// token (web/auth), entered once on the sign-in page and kept, sealed, in
// the session cookie; problems are told in the API's words (web/problem).
package console

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ccflow/ccflow/telemetry/httpwrap"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/web/auth"
	"github.com/ccflow/ccflow/web/requestid"
)

// Prefix is where the console is served; every path of it starts so.
const Prefix = "/console/"

// SessionSecretName is the store setting that holds the key of console
// sessions: made once, shared by every starter.
const SessionSecretName = "console-session-key"

// maxForm bounds a form post, as the API bounds a request body.
const maxForm = 1 << 20

// Config is what the console needs.
type Config struct {
	// Service runs the use cases; the console only reads forms, calls it
	// and shows the result.
	Service *usecase.Service
	// APIToken is the token the API accepts (CCFLOW_API_TOKEN): the one an
	// administrator signs in with.
	APIToken string
	// SessionKey seals the session cookie and signs the forms' CSRF
	// tokens: at least 32 random bytes, the same on every starter so a
	// session outlives a restart and works behind a load balancer.
	SessionKey []byte
	// PublicURL is the starter's public base URL (CCFLOW_PUBLIC_URL): when
	// it is https, cookies are Secure even if TLS ends in front of the
	// starter.
	PublicURL string
	// TemporalUIURL is the base URL of the Temporal Web UI runs link to;
	// empty: no links.
	TemporalUIURL string
	// Backoff slows guessing the token on the sign-in page, per client;
	// the starter gives the API's, so guesses there and here add up. Nil:
	// one of the console's own with auth's defaults.
	Backoff *auth.Backoff
	// Namespace is the Temporal namespace runs live in, for those links.
	Namespace string
	Log       *slog.Logger
}

// console holds the handlers' dependencies.
type console struct {
	Config
	sessions *sessions
	pages    *pages
	static   *staticFiles
}

// New returns the console's handler, to be mounted at Prefix.
func New(cfg Config) (http.Handler, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	if cfg.Backoff == nil {
		cfg.Backoff = auth.NewBackoff(auth.DefaultBackoffEvery, auth.DefaultBackoffBurst)
	}
	sess, err := newSessions(cfg.SessionKey, auth.NewTokens(cfg.APIToken), strings.HasPrefix(cfg.PublicURL, "https://"))
	if err != nil {
		return nil, err
	}
	static, err := loadStatic()
	if err != nil {
		return nil, err
	}
	pages, err := loadPages(static)
	if err != nil {
		return nil, err
	}
	c := &console{Config: cfg, sessions: sess, pages: pages, static: static}

	mux := http.NewServeMux()
	mux.Handle("GET /console/static/", static)
	mux.HandleFunc("GET /console/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/entries", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /console/sign-in", c.signInPage)
	mux.HandleFunc("POST /console/sign-in", c.signIn)

	signedIn := func(pattern string, h handlerFunc) {
		mux.Handle(pattern, c.sessions.require(c.handle(h), c.sessionEnded, c.forged))
	}
	signedIn("POST /console/sign-out", c.signOut)
	signedIn("GET /console/entries", c.listEntries)
	signedIn("GET /console/entries/new", c.newEntry)
	signedIn("POST /console/entries/new", c.editNewEntry)
	signedIn("GET /console/entries/{id}", c.showEntry)
	signedIn("POST /console/entries/{id}", c.editEntry)
	signedIn("POST /console/entries/{id}/delete", c.deleteEntry)
	signedIn("GET /console/entries/{id}/versions", c.showVersions)
	signedIn("GET /console/entries/{id}/runs", c.showRuns)
	signedIn("GET /console/runs/{entry}/{interaction}", c.showRun)
	signedIn("POST /console/runs/{entry}/{interaction}/cancel", c.cancelRun)
	signedIn("POST /console/runs/{entry}/{interaction}/events/{name}/clear", c.clearEvent)
	signedIn("GET /console/simulations/{id}", c.showSimulation)
	signedIn("GET /console/try", c.tryPage)
	signedIn("POST /console/try", c.try)
	signedIn("GET /console/opt-outs", c.optOuts)
	signedIn("POST /console/opt-outs/add", c.addOptOut)
	signedIn("POST /console/opt-outs/remove", c.removeOptOut)
	signedIn("POST /console/opt-outs/policy", c.savePolicy)
	signedIn("GET /console/results", c.showResults)
	signedIn("GET /console/answers", c.showAnswers)
	signedIn("GET /console/answers.csv", c.downloadAnswers)
	signedIn("GET /console/brand", c.brandPage)
	signedIn("POST /console/brand", c.saveBrand)
	signedIn("POST /console/brand/services", c.addBrandService)
	signedIn("GET /console/webhooks", c.webhooks)
	signedIn("POST /console/webhooks/add", c.addWebhook)
	signedIn("POST /console/webhooks/{id}/rotate", c.rotateWebhook)
	signedIn("POST /console/webhooks/{id}/remove", c.removeWebhook)
	mux.Handle("/console/", c.handle(func(http.ResponseWriter, *http.Request) error {
		return errPage(http.StatusNotFound, "Not found", "There is no such page in the console.")
	}))

	// Go's cross-origin protection refuses a form post another site's page
	// makes the browser send (Sec-Fetch-Site, else Origin); the session's
	// CSRF token, checked in sessions.require, covers browsers that send
	// neither.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(c.forged))
	// Static files that load are logged at debug level.
	access := httpwrap.AccessLog{Log: c.Log, Quiet: func(r *http.Request, status int) bool {
		return strings.HasPrefix(r.URL.Path, "/console/static/") && status < http.StatusBadRequest
	}}
	return requestid.Middleware(access.Wrap(access.Recover(securityHeaders(cop.Handler(mux)), func(w http.ResponseWriter) {
		http.Error(w, "internal error", http.StatusInternalServerError)
	}))), nil
}

// forged answers a post that did not come from a console page: another
// site's page made the browser send it, or its CSRF token is wrong or
// from an older session.
func (c *console) forged(w http.ResponseWriter, r *http.Request) {
	c.Log.WarnContext(r.Context(), "console refused a post that did not come from its own pages",
		slog.String("path", r.URL.Path), slog.String("origin", r.Header.Get("Origin")), slog.String("sec_fetch_site", r.Header.Get("Sec-Fetch-Site")))
	c.render(w, r, http.StatusForbidden, "message", messageView{Title: "Not done",
		Message: "This form has expired or did not come from the console, so nothing was done. Reload the page and try again.",
		Link:    "/console/entries", LinkText: "Back to the console"})
}

// handlerFunc is a console handler that returns its error for handle to
// show as a page.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// pageError is an error shown as a page of its own: a status, a title and
// the words to show.
type pageError struct {
	Status  int
	Title   string
	Message string
}

func (e *pageError) Error() string { return e.Title + ": " + e.Message }

func errPage(status int, title, message string) *pageError {
	return &pageError{Status: status, Title: title, Message: message}
}

// handle shows a handler's error as a page: its own pageError, or a use
// case's error in the API's words.
func (c *console) handle(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		var pe *pageError
		if !errors.As(err, &pe) {
			pe = c.problemPage(r.Context(), err)
		}
		c.render(w, r, pe.Status, "message", messageView{Title: pe.Title, Message: pe.Message})
	})
}

// problemPage is the page a use case's error gets, logged when it is ours.
func (c *console) problemPage(ctx context.Context, err error) *pageError {
	p := problemOf(err)
	if p.Status >= http.StatusInternalServerError {
		c.Log.ErrorContext(ctx, "console request failed", slog.Any("error", err))
	}
	title := "Something went wrong"
	switch p.Status {
	case http.StatusNotFound:
		title = "Not found"
	case http.StatusServiceUnavailable:
		title = "Try again"
	case http.StatusConflict, http.StatusPreconditionFailed:
		title = "Not done"
	case http.StatusBadRequest:
		title = "Not accepted"
	}
	return errPage(p.Status, title, p.Message)
}

// sessionEnded answers a request whose session is missing or has ended:
// a page load goes to the sign-in page and comes back after; a post cannot
// be replayed after signing in, so it is told so.
func (c *console) sessionEnded(w http.ResponseWriter, r *http.Request) {
	target := "/console/sign-in"
	if r.Method == http.MethodGet {
		target += "?next=" + urlQueryEscape(r.URL.RequestURI())
	} else {
		target += "?ended=1"
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if r.Method == http.MethodGet {
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusUnauthorized, "message", messageView{Title: "Signed out",
		Message: "Your session has ended, so this was not done. Sign in again, then repeat it.", Link: target, LinkText: "Sign in"})
}

// redirect sends the browser to target after a post: a 303 for a plain
// form, and for htmx a header that makes it load target as a page.
func redirect(w http.ResponseWriter, r *http.Request, target string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// securityHeaders sets what every console answer carries: a content
// security policy that lets the page load only the console's own scripts
// and styles and talk only to the starter, no framing, no sniffing.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
