package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ccflow/ccflow/store"
	"github.com/ccflow/ccflow/workflows"
)

// SMS is one text message as an SMSSender sends it. An empty From lets the
// sender use its configured number.
type SMS struct {
	From string
	To   string
	Body string
}

// SMSSender hands an SMS to a provider. It wraps ErrRejected in errors the
// provider will give again whatever the retry.
type SMSSender interface {
	Send(ctx context.Context, m SMS) (providerID string, err error)
}

// SendSMS sends one SMS at most once per idempotency key (see deliverOnce
// for the one gap left).
func (a *Activities) SendSMS(ctx context.Context, in workflows.SMSInput) (workflows.Delivery, error) {
	m := SMS{To: in.To, Body: in.Text}
	rec := store.Delivery{Key: in.Key, WorkflowID: in.WorkflowID, StepID: in.StepID, Channel: workflows.ChannelSMS, Recipient: in.To}
	return a.deliverOnce(ctx, rec, func(ctx context.Context) (string, error) {
		return a.SMS.Send(ctx, m)
	})
}

// TwilioConfig configures a Twilio client.
type TwilioConfig struct {
	AccountSID string
	AuthToken  string
	// From is the sending number or messaging service sender.
	From string
	// BaseURL defaults to https://api.twilio.com.
	BaseURL string
	// HTTPClient defaults to a client with a 30-second timeout.
	HTTPClient *http.Client
}

// Twilio sends SMS through Twilio's Messages API.
type Twilio struct {
	cfg TwilioConfig
}

// NewTwilio returns a Twilio client, filling in BaseURL and HTTPClient
// when they are empty.
func NewTwilio(c TwilioConfig) *Twilio {
	if c.BaseURL == "" {
		c.BaseURL = "https://api.twilio.com"
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: providerTimeout}
	}
	return &Twilio{cfg: c}
}

// TwilioError is an error answer of Twilio's REST API.
type TwilioError struct {
	// Status is the HTTP status; Code is Twilio's error code, e.g. 21211.
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
}

func (e *TwilioError) Error() string {
	return fmt.Sprintf("Twilio answered %d, error %d: %s", e.Status, e.Code, e.Message)
}

// Permanent tells whether the same request can never succeed: every 4xx
// (invalid or unsubscribed number, bad credentials, unknown account) but
// 408 and 429, which say "not now".
func (e *TwilioError) Permanent() bool {
	return e.Status >= 400 && e.Status < 500 &&
		e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// Send creates a message and returns its Twilio SID.
func (t *Twilio) Send(ctx context.Context, m SMS) (string, error) {
	from := m.From
	if from == "" {
		from = t.cfg.From
	}
	form := url.Values{"To": {m.To}, "From": {from}, "Body": {m.Body}}
	endpoint := t.cfg.BaseURL + "/2010-04-01/Accounts/" + url.PathEscape(t.cfg.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("preparing Twilio request: %w", err)
	}
	req.SetBasicAuth(t.cfg.AccountSID, t.cfg.AuthToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")

	resp, err := t.cfg.HTTPClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("calling Twilio: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("reading Twilio's answer (%d): %w", resp.StatusCode, err)
	}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		var created struct {
			SID string `json:"sid"`
		}
		if err := json.Unmarshal(body, &created); err != nil || created.SID == "" {
			return "", fmt.Errorf("Twilio answered %d without a message sid: %.200s", resp.StatusCode, body)
		}
		return created.SID, nil
	}
	apiErr := &TwilioError{}
	if err := json.Unmarshal(body, apiErr); err != nil || apiErr.Message == "" {
		apiErr.Message = fmt.Sprintf("%.200s", body)
	}
	apiErr.Status = resp.StatusCode
	if apiErr.Permanent() {
		return "", fmt.Errorf("%w: %w", ErrRejected, apiErr)
	}
	return "", apiErr
}
