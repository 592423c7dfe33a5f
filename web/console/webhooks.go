package console

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/core/webhook"
	"github.com/ccflow/ccflow/usecase"
)

// webhooksShown is how many recent deliveries each subscription shows.
const webhooksShown = 10

// webhooksView is the Webhooks page: the subscriptions with their recent
// deliveries, the form that adds one, and a secret just made, shown once.
type webhooksView struct {
	List []webhookItem
	Add  usecase.WebhookRequest
	// Secret is the signing secret of the subscription SecretFor, just
	// created or rotated: this page is the only place it is ever shown.
	Secret    string
	SecretFor string
	Rotated   bool
	Flash     string
	formErrors
}

// webhookItem is a subscription with its latest deliveries.
type webhookItem struct {
	usecase.Webhook
	Deliveries []usecase.WebhookDelivery
}

// PageTitle is the browser tab's title.
func (webhooksView) PageTitle() string { return "Webhooks" }

// PageNav marks the page in the navigation.
func (webhooksView) PageNav() string { return "webhooks" }

// ErrID is the id of target's problems, for aria-describedby: the add
// form's fields are the page's only ones.
func (v *webhooksView) ErrID(target string) string {
	if len(v.Errors[target]) == 0 {
		return ""
	}
	return "f-add-" + target + "-error"
}

// EventTypes are the events a subscription may ask for, with words.
func (*webhooksView) EventTypes() []channelView {
	words := map[string]string{
		webhook.SurveyAnswered: "A survey is answered",
		webhook.MessageStatus:  "An email or SMS is sent, fails, is skipped or reported by Twilio",
		webhook.RunCompleted:   "A run ends",
		webhook.OptOutCreated:  "Someone opts out",
	}
	var out []channelView
	for _, t := range webhook.Types() {
		out = append(out, channelView{Name: t, Label: words[t]})
	}
	return out
}

// Wants says whether the add form asks for event type t.
func (v *webhooksView) Wants(t string) bool { return slices.Contains(v.Add.Events, t) }

// webhooks shows the Webhooks page.
func (c *console) webhooks(w http.ResponseWriter, r *http.Request) error {
	return c.renderWebhooks(w, r, http.StatusOK, &webhooksView{Flash: r.URL.Query().Get("done")})
}

func (c *console) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, view *webhooksView) error {
	list, err := c.Service.Webhooks(r.Context())
	if err != nil {
		return err
	}
	for _, wh := range list {
		item := webhookItem{Webhook: wh}
		if item.Deliveries, err = c.Service.WebhookDeliveries(r.Context(), wh.ID, webhooksShown); err != nil {
			return err
		}
		view.List = append(view.List, item)
	}
	c.render(w, r, status, "webhooks", view)
	return nil
}

// addWebhook subscribes a URL and shows its secret, this once.
func (c *console) addWebhook(w http.ResponseWriter, r *http.Request) error {
	req := usecase.WebhookRequest{URL: strings.TrimSpace(r.PostFormValue("url")), Events: r.PostForm["events"],
		Description: r.PostFormValue("description")}
	created, err := c.Service.CreateWebhook(r.Context(), req)
	if fe := validation.First(err); fe != nil {
		view := &webhooksView{Add: req, formErrors: formErrors{Focus: "add-webhook"}}
		view.add(fe.Path, fe.Message)
		return c.renderWebhooks(w, r, http.StatusUnprocessableEntity, view)
	}
	if err != nil {
		return err
	}
	return c.showSecret(r.Context(), w, r, created, false)
}

// rotateWebhook gives a subscription a new secret and shows it, this once.
func (c *console) rotateWebhook(w http.ResponseWriter, r *http.Request) error {
	rotated, err := c.Service.RotateWebhookSecret(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.showSecret(r.Context(), w, r, rotated, true)
}

// showSecret renders the page with a secret on top; the page is never
// cached (render sets no-store), and the secret is in no URL.
func (c *console) showSecret(_ context.Context, w http.ResponseWriter, r *http.Request, wh usecase.WebhookWithSecret, rotated bool) error {
	return c.renderWebhooks(w, r, http.StatusOK, &webhooksView{Secret: wh.Secret, SecretFor: wh.URL, Rotated: rotated, formErrors: formErrors{Focus: "new-secret"}})
}

// removeWebhook deletes a subscription.
func (c *console) removeWebhook(w http.ResponseWriter, r *http.Request) error {
	wh, err := c.Service.Webhook(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := c.Service.DeleteWebhook(r.Context(), wh.ID); err != nil {
		return err
	}
	redirect(w, r, "/console/webhooks?done="+url.QueryEscape("The webhook to "+wh.URL+" is removed: nothing more is sent to it."))
	return nil
}
