package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ccflow/ccflow/web/problem"
)

//go:embed templates/*.html
var templateFS embed.FS

// frames are the templates every page is rendered inside; every other
// templates/<name>.html is a page.
var frames = []string{"templates/layout.html", "templates/parts.html", "templates/simulate-parts.html"}

// pageNames are the console's pages, read from the templates folder, so a
// new page is its template and the handler that renders it.
func pageNames() ([]string, error) {
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, file := range files {
		if !slices.Contains(frames, file) {
			names = append(names, strings.TrimSuffix(path.Base(file), ".html"))
		}
	}
	return names, nil
}

// pages holds each page's template.
type pages struct {
	byName map[string]*template.Template
}

func loadPages(static *staticFiles) (*pages, error) {
	funcs := template.FuncMap{
		"asset":    static.asset,
		"anchor":   anchorOf,
		"join":     strings.Join,
		"contains": containsString,
		"plus":     func(a, b int) int { return a + b },
		"when":     formatTime,
		"ago":      ago,
		"pathEsc":  url.PathEscape,
		"dict":     dict,
	}
	base, err := template.New(path.Base(frames[0])).Funcs(funcs).ParseFS(templateFS, frames...)
	if err != nil {
		return nil, fmt.Errorf("console: parsing the layout: %w", err)
	}
	names, err := pageNames()
	if err != nil {
		return nil, fmt.Errorf("console: listing the pages: %w", err)
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range names {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(templateFS, "templates/"+name+".html")
		}
		if err != nil {
			return nil, fmt.Errorf("console: parsing page %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// page is what the layout gets: the page's own view and what every page
// shows around it.
type page struct {
	Title string
	// Nav is the navigation item of the page: entries, try, opt-outs.
	Nav string
	// CSRF is the session's CSRF token, for the forms; "" when signed out.
	CSRF string
	View any
}

// titled is a view that names its page.
type titled interface {
	PageTitle() string
	PageNav() string
}

// render writes page name with view.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, view any) {
	pg := page{View: view, Title: "ccflow console"}
	if t, ok := view.(titled); ok {
		pg.Title, pg.Nav = t.PageTitle(), t.PageNav()
	}
	pg.CSRF = c.csrfOf(r)
	var buf bytes.Buffer
	if err := c.pages.byName[name].ExecuteTemplate(&buf, "layout.html", pg); err != nil {
		c.Log.ErrorContext(r.Context(), "rendering console page", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// messageView is a page that says one thing: an error, a notice.
type messageView struct {
	Title    string
	Message  string
	Link     string
	LinkText string
}

// PageTitle is the browser tab's title.
func (v messageView) PageTitle() string { return v.Title }

// PageNav marks no navigation item.
func (messageView) PageNav() string { return "" }

// PageTitle is the browser tab's title.
func (signInView) PageTitle() string { return "Sign in" }

// PageNav marks no navigation item.
func (signInView) PageNav() string { return "" }

// problemOf maps a use case's error as the API does.
func problemOf(err error) problem.Problem { return problem.Of(err) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// formatTime writes a time for people, in UTC.
func formatTime(t any) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return ""
		}
		tt = *v
	default:
		return ""
	}
	if tt.IsZero() {
		return ""
	}
	return tt.UTC().Format("2006-01-02 15:04:05 UTC")
}

// ago says how long before now t was, roughly.
func ago(t any) string {
	var tt time.Time
	switch v := t.(type) {
	case time.Time:
		tt = v
	case *time.Time:
		if v == nil {
			return ""
		}
		tt = *v
	}
	if tt.IsZero() {
		return ""
	}
	d := time.Since(tt)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour") + " ago"
	}
	return plural(int(d/(24*time.Hour)), "day") + " ago"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// dict builds a map from pairs, to hand several values to a template.
func dict(pairs ...any) (map[string]any, error) {
	if len(pairs)%2 != 0 {
		return nil, fmt.Errorf("dict: %d arguments, want pairs", len(pairs))
	}
	m := make(map[string]any, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		k, ok := pairs[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", pairs[i])
		}
		m[k] = pairs[i+1]
	}
	return m, nil
}

// csrfOf is the CSRF token of the request's session, "" without one.
func (c *console) csrfOf(r *http.Request) string {
	if sess, ok := sessionFrom(r.Context()); ok {
		return c.sessions.csrfToken(sess.ID)
	}
	return ""
}
