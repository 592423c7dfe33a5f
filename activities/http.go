package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"golang.org/x/net/http/httpguts"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/providers/netguard"
	"github.com/ccflow/ccflow/workflows"
)

// Bounds of one http_request.
const (
	// MaxResponseBytes bounds a response body, which the workflow keeps in
	// its history.
	MaxResponseBytes = 1 << 20
	// excerptBytes is how much of an error answer's body its error shows.
	excerptBytes = 200
	// maxRetryAfter caps the Retry-After a server can ask for: the step's
	// retries back off to a minute at most anyway.
	maxRetryAfter = time.Minute
)

// HTTPRequest makes the request of an http_request step. External requests
// only reach the addresses the guard allows; requests through a connection
// carry its credentials and stay on its host. A non-2xx answer is an
// workflows.ErrTypeHTTPStatus error, retryable for 5xx, 408 and 429; network errors
// and timeouts are retried; every other failure is final.
func (a *Activities) HTTPRequest(ctx context.Context, in workflows.HTTPRequestInput) (workflows.HTTPResponse, error) {
	if in.Timeout <= 0 || in.Timeout > entry.MaxHTTPTimeout {
		return workflows.HTTPResponse{}, invalidInput(fmt.Sprintf("timeout %s is not between 0 and %s", in.Timeout, entry.MaxHTTPTimeout))
	}
	client, req, err := a.newHTTPRequest(ctx, in)
	if err != nil {
		return workflows.HTTPResponse{}, err
	}
	reqCtx, cancel := context.WithTimeout(ctx, in.Timeout)
	defer cancel()
	log := a.logger(ctx)
	log.Info("HTTP request", "step", in.StepID, "method", in.Method, "target", in.Target())

	resp, err := client.Do(req.WithContext(reqCtx))
	if err != nil {
		return workflows.HTTPResponse{}, requestError(ctx, reqCtx, in.Timeout, err)
	}
	defer resp.Body.Close()
	log.Info("HTTP response", "step", in.StepID, "status", resp.StatusCode)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return workflows.HTTPResponse{}, statusError(resp)
	}
	body, err := readBody(resp)
	if err != nil {
		return workflows.HTTPResponse{}, requestError(ctx, reqCtx, in.Timeout, err)
	}
	return workflows.HTTPResponse{Status: resp.StatusCode, Headers: responseHeaders(resp.Header), Body: decodeBody(resp.Header, body)}, nil
}

// newHTTPRequest builds the request and picks the client that may make it.
func (a *Activities) newHTTPRequest(ctx context.Context, in workflows.HTTPRequestInput) (*http.Client, *http.Request, error) {
	if !slices.Contains(entry.HTTPMethods, in.Method) {
		return nil, nil, invalidInput(fmt.Sprintf("%q is not a method (use one of %s)", in.Method, strings.Join(entry.HTTPMethods, ", ")))
	}
	clients := a.HTTP
	if clients == nil {
		clients = defaultHTTPClients()
	}
	client, target, credentials := clients.external, in.URL, map[string]string(nil)
	if in.Connection != "" {
		conn, ok := a.Connections.Get(in.Connection)
		if !ok {
			return nil, nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("connection %q is not configured on this worker (it has: %s)", in.Connection, listOrNone(a.Connections.Names())),
				workflows.ErrTypeUnknownConnection, nil)
		}
		var err error
		if target, err = conn.URL(in.Path); err != nil {
			return nil, nil, invalidInput(err.Error())
		}
		client, credentials = clients.internal, conn.Credentials()
	} else if err := checkExternalURL(in.URL); err != nil {
		return nil, nil, invalidInput(err.Error())
	}

	var body io.Reader
	if in.Body != "" {
		body = strings.NewReader(in.Body)
	}
	req, err := http.NewRequestWithContext(ctx, in.Method, target, body)
	if err != nil {
		return nil, nil, invalidInput(fmt.Sprintf("building the request to %s: %v", in.Target(), err))
	}
	for name, value := range in.Headers {
		if !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			return nil, nil, invalidInput(fmt.Sprintf("header %s: its name or value holds characters a header may not (such as a line break)", name))
		}
		req.Header.Set(name, value)
	}
	setDefault(req.Header, "User-Agent", "ccflow")
	if in.Body != "" {
		setDefault(req.Header, "Content-Type", contentTypeOf(in.Body))
	}
	if in.IdempotencyKey != "" {
		setDefault(req.Header, "Idempotency-Key", in.IdempotencyKey)
	}
	// Set last, so that no step header can replace a connection's.
	for name, value := range credentials {
		req.Header.Set(name, value)
	}
	return client, req, nil
}

func checkExternalURL(raw string) error {
	u, err := validation.AbsoluteURL(raw)
	switch {
	case err != nil:
		return fmt.Errorf("url %q %w", raw, err)
	case u.User != nil:
		return errors.New("url may not hold credentials: call the API through a connection")
	}
	return nil
}

func setDefault(h http.Header, name, value string) {
	if h.Get(name) == "" {
		h.Set(name, value)
	}
}

// contentTypeOf guesses the type of a body the step gave no Content-Type
// for: JSON when it parses as JSON, else plain text.
func contentTypeOf(body string) string {
	if json.Valid([]byte(body)) {
		return "application/json"
	}
	return "text/plain; charset=utf-8"
}

// requestError classifies a failed request. ctx is the activity's context,
// reqCtx the request's own, bounded by the step's timeout.
func requestError(ctx, reqCtx context.Context, timeout time.Duration, err error) error {
	var blocked *netguard.BlockedError
	switch {
	case errors.As(err, &blocked):
		return temporal.NewNonRetryableApplicationError(blocked.Error(), workflows.ErrTypeAddressBlocked, nil)
	case errors.Is(err, errTooManyRedirects), errors.Is(err, errRedirectOffHost):
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeRedirectRefused, nil)
	case errors.Is(err, errResponseTooLarge):
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeResponseTooLarge, nil)
	case ctx.Err() == nil && errors.Is(reqCtx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("no complete answer within %s", timeout)
	}
	return fmt.Errorf("request failed: %w", err)
}

// statusError is the error of a non-2xx answer, with the start of its body
// so operators see the server's reason.
func statusError(resp *http.Response) error {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, excerptBytes))
	msg := "answered " + resp.Status
	if excerpt := strings.TrimSpace(strings.ToValidUTF8(string(head), "")); excerpt != "" {
		msg += ": " + excerpt
	}
	switch code := resp.StatusCode; {
	case code >= 500, code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return temporal.NewApplicationErrorWithOptions(msg, workflows.ErrTypeHTTPStatus, temporal.ApplicationErrorOptions{
			Details:        []any{code},
			NextRetryDelay: retryAfter(resp.Header),
		})
	default:
		return temporal.NewNonRetryableApplicationError(msg, workflows.ErrTypeHTTPStatus, nil, code)
	}
}

// retryAfter is a Retry-After given in seconds, capped at maxRetryAfter; 0
// leaves the delay to the retry policy.
func retryAfter(h http.Header) time.Duration {
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs <= 0 {
		return 0
	}
	return min(time.Duration(secs)*time.Second, maxRetryAfter)
}

var errResponseTooLarge = fmt.Errorf("the response body is over %d MiB", MaxResponseBytes>>20)

func readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > MaxResponseBytes {
		return nil, errResponseTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response body: %w", err)
	}
	if len(body) > MaxResponseBytes {
		return nil, errResponseTooLarge
	}
	return body, nil
}

// decodeBody returns a JSON body as its value, so templates and conditions
// reach its fields, and any other body as text.
func decodeBody(h http.Header, body []byte) any {
	mediaType, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") {
		var v any
		if err := json.Unmarshal(body, &v); err == nil {
			return v
		}
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

func responseHeaders(h http.Header) map[string]string {
	out := make(map[string]string, len(h))
	for name, values := range h {
		if len(values) == 0 || strings.EqualFold(name, "Set-Cookie") {
			continue
		}
		out[strings.ToLower(name)] = values[0]
	}
	return out
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
