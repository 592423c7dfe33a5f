package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/workflows"
)

//go:embed pages/*.html
var pageFiles embed.FS

// pages renders the customer-facing HTML: the survey form and the one-line
// message pages (thank you, link not valid, …).
type pages struct {
	t   *template.Template
	log *slog.Logger
}

func loadPages(log *slog.Logger) *pages {
	return &pages{t: template.Must(template.ParseFS(pageFiles, "pages/*.html")), log: log}
}

// rating is one button of the survey's scale.
type rating struct {
	Value   int
	Label   string
	Checked bool
}

// csatLabels name the buttons of the 1-5 scale; the 0-10 scale's are
// numbers, with its ends named under them.
var csatLabels = [...]string{"Very poor", "Poor", "Okay", "Good", "Excellent"}

// surveyPage is what survey.html shows.
type surveyPage struct {
	Action   string
	Question string
	Scale    scale.Scale
	// Score is the score chosen, when the page is shown again.
	Score   *int
	Comment string
	// Error is set when the page is shown again after a rejected answer;
	// with a Field it is shown beside that field, without one on top.
	Error *apiError
}

// Ratings are one button per score of the scale, the chosen one checked.
func (p surveyPage) Ratings() []rating {
	var rs []rating
	for _, n := range p.Scale.Scores() {
		r := rating{Value: n, Checked: p.Score != nil && *p.Score == n}
		if p.Scale == scale.CSAT {
			r.Label = csatLabels[n-1]
		}
		rs = append(rs, r)
	}
	return rs
}

// Wide is true for the 0-10 scale, whose eleven buttons take two rows on
// a phone.
func (p surveyPage) Wide() bool { return p.Scale == scale.NPS }

// Hint says what the ends of the scale mean.
func (p surveyPage) Hint() string {
	low, high := p.Scale.Anchors()
	return fmt.Sprintf("%d is %s, %d is %s.", p.Scale.Min(), strings.ToLower(low), p.Scale.Max(), strings.ToLower(high))
}

// Low and High name the ends of the scale, under its buttons.
func (p surveyPage) Low() string {
	low, _ := p.Scale.Anchors()
	return low
}

// High names the top of the scale.
func (p surveyPage) High() string {
	_, high := p.Scale.Anchors()
	return high
}

// FieldError is the message to show beside field, or "".
func (p surveyPage) FieldError(field string) string {
	if p.Error == nil || p.Error.Field != field {
		return ""
	}
	return p.Error.Message
}

// MaxComment is the comment box's limit.
func (surveyPage) MaxComment() int { return workflows.MaxCommentLength }

// messagePage is what message.html shows.
type messagePage struct {
	Title   string
	Message string
}

func surveyAction(token string) string { return "/s/" + url.PathEscape(token) }

// render writes a page with the headers every customer page carries: no
// caching and no referrer, because the URL holds the customer's token, and
// a policy allowing nothing but the inline style and posting to ourselves.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.ErrorContext(r.Context(), "rendering page", slog.String("page", name), slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// message renders a message page.
func (p *pages) message(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	p.render(w, r, status, "message.html", messagePage{Title: title, Message: message})
}
