package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"time"

	"github.com/ccflow/ccflow/core/brand"
	"github.com/ccflow/ccflow/core/mailview"
	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// BrandSource gives the brand document survey emails show; *store.Store
// is one.
type BrandSource interface {
	Brand(ctx context.Context) (brand.Document, time.Time, error)
}

// SendEmail sends one email at most once per idempotency key, as the
// contact policy allows (see deliverOnce). Every email carries a one-click
// unsubscribe link (RFC 8058). A survey's email (in.Survey) gets its HTML
// here, in the brand of the run's service: the rating buttons where the
// entry's html says $(survey.rating_links), or ccflow's whole message
// when the entry has no html; the brand's logo goes with it.
func (a *Activities) SendEmail(ctx context.Context, in workflows.EmailInput) (workflows.Delivery, error) {
	var b brand.Brand
	if in.Survey != nil {
		doc, err := a.brand(ctx)
		if err != nil {
			return workflows.Delivery{}, err
		}
		b = doc.For(in.Survey.Service)
	}
	req := sendRequest{key: in.Key, workflowID: in.WorkflowID, stepID: in.StepID, channel: workflows.ChannelEmail, to: in.To, contact: in.Contact}
	return a.deliverOnce(ctx, req, func(ctx context.Context, d store.Delivery) (string, error) {
		m := providers.Email{
			MessageID:       MessageID(in.Key, a.From),
			From:            a.From,
			To:              in.To,
			Subject:         in.Subject,
			Text:            in.Text,
			HTML:            in.HTML,
			ListUnsubscribe: a.unsubscribeURL(workflows.ChannelEmail, d.AddressHash),
		}
		if in.Survey != nil {
			var err error
			if m.HTML, m.Inline, err = a.surveyHTML(in, b, m.ListUnsubscribe); err != nil {
				return "", err
			}
		}
		return a.Mailer.Send(ctx, m)
	})
}

// brand reads the brand document; none when the activities have no store
// (tests that run them without PostgreSQL).
func (a *Activities) brand(ctx context.Context) (brand.Document, error) {
	src := a.Brands
	if src == nil && a.Store != nil {
		src = a.Store
	}
	if src == nil {
		return brand.Document{}, nil
	}
	doc, _, err := src.Brand(ctx)
	if err != nil {
		return brand.Document{}, fmt.Errorf("reading the brand for a survey email: %w", err)
	}
	return doc, nil
}

// surveyHTML writes a survey email's HTML in brand b, and the inline logo
// it shows.
func (a *Activities) surveyHTML(in workflows.EmailInput, b brand.Brand, unsubscribe string) (string, []providers.Inline, error) {
	sv := in.Survey
	view := mailview.Survey{Lang: sv.Language, Brand: b, Question: sv.Question, URL: sv.URL, Scale: sv.Scale,
		Unsubscribe: pageLink(unsubscribe, sv.Language, sv.Service)}
	var inline []providers.Inline
	if b.Logo != nil && in.HTML == "" {
		file := b.Logo.File()
		id := "logo-" + strings.TrimSuffix(file, file[strings.LastIndexByte(file, '.'):]) + "@" + providers.SenderDomain(a.From)
		view.LogoSrc = template.URL("cid:" + id) //nolint:gosec // made here from a hash and the sender's domain
		inline = append(inline, providers.Inline{ContentID: id, Name: "logo" + file[strings.LastIndexByte(file, '.'):], Type: b.Logo.Type, Data: b.Logo.Data})
	}
	if in.HTML == "" {
		html, err := mailview.Email(view)
		return html, inline, err
	}
	buttons, err := mailview.Buttons(view)
	if err != nil {
		return "", nil, err
	}
	return strings.ReplaceAll(in.HTML, workflows.RatingLinksMarker, string(buttons)), inline, nil
}

// pageLink adds to a link of ccflow's pages the language and service the
// page is to show itself in: hints, which choose words and a brand among
// the contact center's own and nothing else, so they need no signature.
func pageLink(link, lang, service string) string {
	if link == "" {
		return ""
	}
	q := url.Values{}
	if lang != "" {
		q.Set("lang", lang)
	}
	if service != "" {
		q.Set("service", service)
	}
	if len(q) == 0 {
		return link
	}
	return link + "?" + q.Encode()
}

// MessageID derives an email's Message-ID from its idempotency key, in the
// domain of from (the sender, EMAIL_FROM), so that a message sent twice
// through the gap deliverOnce documents carries the same Message-ID both
// times.
func MessageID(key, from string) string {
	sum := sha256.Sum256([]byte(key))
	return providers.MessageID(hex.EncodeToString(sum[:])[:32], from)
}
