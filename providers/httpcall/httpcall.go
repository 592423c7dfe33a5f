// Package httpcall makes the requests of http_request steps: it builds the
// request, sends an external one through a client whose every dial passes
// netguard's SSRF guard and one through a named connection with the
// connection's credentials on its own host, follows redirects within
// bounds, and reads and decodes the answer.
//
// Every failure that retrying cannot cure comes as a typed error:
// InvalidRequestError, UnknownConnectionError, StatusError (with its
// retryability), netguard.BlockedError, ErrTooManyRedirects,
// ErrRedirectOffHost and ErrResponseTooLarge. Any other error (a network
// failure, no answer within the request's timeout) may pass on a retry.
package httpcall

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

	"golang.org/x/net/http/httpguts"

	"github.com/ccflow/ccflow/core/entry"
	"github.com/ccflow/ccflow/core/validation"
	"github.com/ccflow/ccflow/providers/netguard"
)

// Bounds of one request.
const (
	// MaxResponseBytes bounds a response body, which the workflow keeps in
	// its history.
	MaxResponseBytes = 1 << 20
	// excerptBytes is how much of an error answer's body StatusError keeps.
	excerptBytes = 200
	// maxRetryAfter caps the Retry-After a server can ask for: the step's
	// retries back off to a minute at most anyway.
	maxRetryAfter = time.Minute
)

// Request is one request of an http_request step, its templates rendered.
// It goes to either URL or Connection plus Path, and never carries
// credentials: those come from the connection.
type Request struct {
	Method string
	// URL is an external request's absolute URL.
	URL string
	// Connection names the internal API a request goes to, Path the path
	// (and query) under its base URL.
	Connection string
	Path       string
	Headers    map[string]string
	Body       string
	// IdempotencyKey is sent as Idempotency-Key unless Headers sets it.
	IdempotencyKey string
	// Timeout bounds the request, from dialling to the body's last byte:
	// more than zero, at most entry.MaxHTTPTimeout.
	Timeout time.Duration
}

// target names where r goes without credentials: its URL, or
// "connection crm /customers/7".
func (r Request) target() string {
	if r.Connection != "" {
		return strings.TrimSpace("connection " + r.Connection + " " + r.Path)
	}
	return r.URL
}

// Response is a 2xx answer. Header names are lower case, with the first
// value of each; Set-Cookie is left out, since a session is a credential.
// Body is the decoded value of a JSON body, else the body as text.
type Response struct {
	Status  int
	Headers map[string]string
	Body    any
}

// InvalidRequestError is a request that can never be made as given: an
// unknown method, a URL that is not absolute or holds credentials, a path
// that climbs out of its connection, a header that would split the
// request, a timeout out of bounds.
type InvalidRequestError struct {
	Reason string
}

func (e *InvalidRequestError) Error() string { return e.Reason }

func invalid(format string, args ...any) error {
	return &InvalidRequestError{Reason: fmt.Sprintf(format, args...)}
}

// UnknownConnectionError is a request through a connection the client does
// not have.
type UnknownConnectionError struct {
	Name string
	// Known are the names of the connections the client has.
	Known []string
}

func (e *UnknownConnectionError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("connection %q is not configured on this worker (it has: %s)", e.Name, known)
}

// StatusError is an answer with a status other than 2xx.
type StatusError struct {
	// Code is the status code; Status the status line's text, such as
	// "404 Not Found".
	Code   int
	Status string
	// Excerpt is the start of the body. Error leaves it out: an answer may
	// echo the customer's data the request carried, and the error goes to
	// the run's history and the worker's log. The activity passes it on
	// in the failure's details (sealed with the payloads), for operators.
	Excerpt string
	// RetryAfter is the answer's Retry-After given in seconds, capped at a
	// minute; zero when it gave none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string { return "answered " + e.Status }

// Retryable tells whether the same request may succeed later: after a 5xx,
// 408 or 429. Any other status will come again.
func (e *StatusError) Retryable() bool {
	return e.Code >= 500 || e.Code == http.StatusRequestTimeout || e.Code == http.StatusTooManyRequests
}

// ErrResponseTooLarge is an answer whose body is over MaxResponseBytes.
var ErrResponseTooLarge = fmt.Errorf("the response body is over %d MiB", MaxResponseBytes>>20)

// Do makes r and returns its 2xx answer. ctx bounds the whole call besides
// r.Timeout.
func (c *Client) Do(ctx context.Context, r Request) (Response, error) {
	if r.Timeout <= 0 || r.Timeout > entry.MaxHTTPTimeout {
		return Response{}, invalid("timeout %s is not between 0 and %s", r.Timeout, entry.MaxHTTPTimeout)
	}
	client, req, err := c.newRequest(ctx, r)
	if err != nil {
		return Response{}, err
	}
	reqCtx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()

	resp, err := client.Do(req.WithContext(reqCtx))
	if err != nil {
		return Response{}, requestError(ctx, reqCtx, r.Timeout, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Response{}, statusError(resp)
	}
	body, err := readBody(resp)
	if err != nil {
		return Response{}, requestError(ctx, reqCtx, r.Timeout, err)
	}
	return Response{Status: resp.StatusCode, Headers: responseHeaders(resp.Header), Body: decodeBody(resp.Header, body)}, nil
}

// newRequest builds the request and picks the client that may make it.
func (c *Client) newRequest(ctx context.Context, r Request) (*http.Client, *http.Request, error) {
	if !slices.Contains(entry.HTTPMethods, r.Method) {
		return nil, nil, invalid("%q is not a method (use one of %s)", r.Method, strings.Join(entry.HTTPMethods, ", "))
	}
	client, target, credentials := c.external, r.URL, map[string]string(nil)
	if r.Connection != "" {
		conn, ok := c.connections.Get(r.Connection)
		if !ok {
			return nil, nil, &UnknownConnectionError{Name: r.Connection, Known: c.connections.Names()}
		}
		var err error
		if target, err = conn.URL(r.Path); err != nil {
			return nil, nil, &InvalidRequestError{Reason: err.Error()}
		}
		client, credentials = c.internal, conn.Credentials()
	} else if err := checkExternalURL(r.URL); err != nil {
		return nil, nil, &InvalidRequestError{Reason: err.Error()}
	}

	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, target, body)
	if err != nil {
		return nil, nil, invalid("building the request to %s: %v", r.target(), err)
	}
	for name, value := range r.Headers {
		if !httpguts.ValidHeaderFieldName(name) || !httpguts.ValidHeaderFieldValue(value) {
			return nil, nil, invalid("header %s: its name or value holds characters a header may not (such as a line break)", name)
		}
		req.Header.Set(name, value)
	}
	setDefault(req.Header, "User-Agent", "ccflow")
	if r.Body != "" {
		setDefault(req.Header, "Content-Type", contentTypeOf(r.Body))
	}
	if r.IdempotencyKey != "" {
		setDefault(req.Header, "Idempotency-Key", r.IdempotencyKey)
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

// requestError classifies a failed request. ctx is the caller's context,
// reqCtx the request's own, bounded by its timeout. The errors that
// retrying cannot cure keep their own message, which says why.
func requestError(ctx, reqCtx context.Context, timeout time.Duration, err error) error {
	var blocked *netguard.BlockedError
	switch {
	case errors.As(err, &blocked),
		errors.Is(err, ErrTooManyRedirects), errors.Is(err, ErrRedirectOffHost),
		errors.Is(err, ErrResponseTooLarge):
		return err
	case ctx.Err() == nil && errors.Is(reqCtx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("no complete answer within %s", timeout)
	}
	return fmt.Errorf("request failed: %w", err)
}

// statusError is the error of a non-2xx answer, with the start of its body.
func statusError(resp *http.Response) error {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, excerptBytes))
	return &StatusError{
		Code:       resp.StatusCode,
		Status:     resp.Status,
		Excerpt:    strings.TrimSpace(strings.ToValidUTF8(string(head), "")),
		RetryAfter: retryAfter(resp.Header),
	}
}

// retryAfter is a Retry-After given in seconds, capped at maxRetryAfter; 0
// when there is none.
func retryAfter(h http.Header) time.Duration {
	secs, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || secs <= 0 {
		return 0
	}
	return min(time.Duration(secs)*time.Second, maxRetryAfter)
}

func readBody(resp *http.Response) ([]byte, error) {
	if resp.ContentLength > MaxResponseBytes {
		return nil, ErrResponseTooLarge
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the response body: %w", err)
	}
	if len(body) > MaxResponseBytes {
		return nil, ErrResponseTooLarge
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
