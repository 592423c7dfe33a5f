package api

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/ccflow/ccflow/core/i18n"
	"github.com/ccflow/ccflow/core/rating"
	"github.com/ccflow/ccflow/core/scale"
	"github.com/ccflow/ccflow/usecase"
	"github.com/ccflow/ccflow/workflows"
)

//go:embed pages/*.html
var pageFiles embed.FS

// pages renders the customer-facing HTML: the survey form and the one-line
// message pages (thank you, link not valid, …), in the customer's language
// (the run's, else the browser's) and the brand of the run's service.
type pages struct {
	t   *template.Template
	log *slog.Logger
}

func loadPages(log *slog.Logger) *pages {
	return &pages{t: template.Must(template.ParseFS(pageFiles, "pages/*.html")), log: log}
}

// Page is what every page shows besides its own content: its words, its
// brand and its title.
type Page struct {
	Words i18n.Words
	Brand usecase.PageBrand
	Title string
}

// T is a message of the page's language (i18n.Words.T).
func (p Page) T(key string, args ...any) string { return p.Words.T(key, args...) }

// Lang is the page's language, for its lang attribute.
func (p Page) Lang() string { return p.Words.Lang() }

// languageOf is the language a page is in: lang (the run's) when it names
// one, else the closest to what the browser asks for (Accept-Language).
func languageOf(r *http.Request, lang string) i18n.Words {
	if lang != "" {
		return i18n.For(lang)
	}
	return i18n.For(i18n.MatchAccept(r.Header.Get("Accept-Language"), i18n.Languages()))
}

// ratingButton is one button of the survey's scale.
type ratingButton struct {
	Value   int
	Label   string
	Checked bool
}

// surveyPage is what survey.html shows.
type surveyPage struct {
	Page
	Action   string
	Question string
	Scale    scale.Scale
	// Score is the score picked (Picked), shown checked.
	Score  int
	Picked bool
	// Chosen is set when the page opened with a score chosen (a rating
	// button of the email, /s/{token}?score=N): nothing is recorded until
	// the form is sent, which the page says.
	Chosen  bool
	Comment string
	// Error is set when the page is shown again after a rejected answer;
	// with a Field it is shown beside that field, without one on top.
	Error *apiError
}

// Ratings are the scale's buttons, the chosen one checked.
func (p surveyPage) Ratings() []ratingButton {
	var rs []ratingButton
	for _, n := range p.Scale.Scores() {
		rs = append(rs, ratingButton{Value: n, Label: rating.Label(p.Scale, n, p.Words), Checked: p.Picked && p.Score == n})
	}
	return rs
}

// Hint says the scale's two ends in a sentence.
func (p surveyPage) Hint() string { return rating.Hint(p.Scale, p.Words) }

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
	Page
	Message string
}

func surveyAction(token string) string { return "/s/" + url.PathEscape(token) }

// render writes a page with the headers every customer page carries: no
// caching and no referrer, because the URL holds the customer's token, and
// a policy allowing nothing but the inline style, the brand's logo and
// posting to ourselves.
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
	h.Set("Content-Language", pageLang(data))
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Add("Vary", "Accept-Language")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// pageLang is the language of a page's data.
func pageLang(data any) string {
	if p, ok := data.(interface{ Lang() string }); ok {
		return p.Lang()
	}
	return i18n.Default
}

// message renders a message page: a title and a message, each a key of
// the catalog in the page's words.
func (p *pages) message(w http.ResponseWriter, r *http.Request, status int, base Page, titleKey, messageKey string) {
	base.Title = base.T(titleKey)
	p.render(w, r, status, "message.html", messagePage{Page: base, Message: base.T(messageKey)})
}
