// Package twilio sends SMS through Twilio's Messages API.
package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/ccflow/ccflow/providers"
	"github.com/ccflow/ccflow/telemetry/tracedhttp"
)

// DefaultBaseURL is where Twilio's REST API answers.
const DefaultBaseURL = "https://api.twilio.com"

// Config configures a Client; the worker reads it from TWILIO_*.
type Config struct {
	AccountSID string
	AuthToken  string
	// From is the sending number (TWILIO_FROM).
	From string
	// MessagingServiceSID (TWILIO_MESSAGING_SERVICE_SID, "MG…") sends
	// through a Messaging Service instead of From.
	MessagingServiceSID string
	// BaseURL defaults to DefaultBaseURL.
	BaseURL string
	// HTTPClient defaults to a client bounded by providers.Timeout.
	HTTPClient *http.Client
}

// Client sends SMS through Twilio's Messages API.
type Client struct {
	cfg Config
}

var _ providers.SMSSender = (*Client)(nil)

// New returns a Twilio client, filling in BaseURL and HTTPClient when they
// are empty.
func New(c Config) *Client {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: providers.Timeout, Transport: tracedhttp.Transport(nil, false)}
	}
	return &Client{cfg: c}
}

// CodeUnsubscribed is Twilio's error 21610: the recipient replied STOP to
// the sending number and Twilio refuses to message it.
const CodeUnsubscribed = 21610

// APIError is an error answer of Twilio's REST API.
type APIError struct {
	// Status is the HTTP status; Code is Twilio's error code, e.g. 21211.
	Status   int    `json:"status"`
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("Twilio answered %d, error %d: %s", e.Status, e.Code, e.Message)
}

// Permanent tells whether the same request can never succeed: every 4xx
// (invalid or unsubscribed number, bad credentials, unknown account) but
// 408 and 429, which say "not now".
func (e *APIError) Permanent() bool {
	return e.Status >= 400 && e.Status < 500 &&
		e.Status != http.StatusRequestTimeout && e.Status != http.StatusTooManyRequests
}

// Send creates a message and returns its Twilio SID. A permanent APIError
// comes wrapped in providers.ErrRejected; a transient one, and any failure
// to reach Twilio, comes as it is.
func (t *Client) Send(ctx context.Context, m providers.SMS) (string, error) {
	form := url.Values{"To": {m.To}, "Body": {m.Body}}
	switch {
	case m.From != "":
		form.Set("From", m.From)
	case t.cfg.MessagingServiceSID != "":
		form.Set("MessagingServiceSid", t.cfg.MessagingServiceSID)
	default:
		form.Set("From", t.cfg.From)
	}
	if m.StatusCallback != "" {
		form.Set("StatusCallback", m.StatusCallback)
	}
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
	apiErr := &APIError{}
	if err := json.Unmarshal(body, apiErr); err != nil || apiErr.Message == "" {
		apiErr.Message = fmt.Sprintf("%.200s", body)
	}
	apiErr.Status = resp.StatusCode
	if apiErr.Code == CodeUnsubscribed {
		return "", fmt.Errorf("%w: %w: %w", providers.ErrRejected, providers.ErrOptedOut, apiErr)
	}
	if apiErr.Permanent() {
		return "", fmt.Errorf("%w: %w", providers.ErrRejected, apiErr)
	}
	return "", apiErr
}
