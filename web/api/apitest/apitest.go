// Package apitest checks ccflow's HTTP API against its OpenAPI document in
// tests: a handler or a client's transport wrapped by a Contract has every
// request and answer that passes through it validated, so a handler that
// answers an undocumented field or status, or a client that sends what
// the document does not describe, fails the test that made the call.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/ccflow/ccflow/web/api"
)

// Contract is the API's OpenAPI document, loaded and validated.
type Contract struct {
	Doc    *openapi3.T
	router routers.Router
}

var registerDecoders sync.Once

// Load loads the document the API serves and fails t when it is not a
// valid OpenAPI document.
func Load(t testing.TB) *Contract {
	t.Helper()
	registerDecoders.Do(func() {
		// The pages answer HTML and Twilio's webhooks TwiML, which the
		// validator takes as text.
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/xml", openapi3filter.PlainBodyDecoder)
		// Exports stream CSV and newline-delimited JSON.
		openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.PlainBodyDecoder)
	})
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI())
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	// The servers list names where ccflow runs; tests run it elsewhere.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatalf("routing openapi.yaml's paths: %v", err)
	}
	return &Contract{Doc: doc, router: router}
}

// Check validates one exchange: req with its body reqBody, answered resp
// with its body respBody. It returns every way the exchange departs from
// the document:
//   - a route the document lacks must be answered 404 or 405 (401 without a
//     token), in the error shape under /v1/, or be redirected to its clean
//     path;
//   - a request the document calls invalid must be answered with a 4xx;
//   - every answer must be documented for its operation and status, headers and body.
func (c *Contract) Check(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) error {
	ctx := context.Background()
	req = req.Clone(ctx)
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		switch {
		case resp.StatusCode == http.StatusTemporaryRedirect || resp.StatusCode == http.StatusMovedPermanently:
			// ServeMux sends an unclean path (//, /./) to its clean form.
			return nil
		case resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed &&
			resp.StatusCode != http.StatusUnauthorized: // the token is checked before the route
			return errors.New(req.Method + " " + req.URL.Path + " is not in openapi.yaml, yet was answered " + strconv.Itoa(resp.StatusCode))
		case !strings.HasPrefix(req.URL.Path, "/v1/"):
			// The error shape is the API's (/v1/); elsewhere ServeMux's own 404 is fine.
			return nil
		}
		return c.errorBody(resp, respBody)
	}
	reqInput := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	}
	if reqErr := openapi3filter.ValidateRequest(ctx, reqInput); reqErr != nil && (resp.StatusCode < 400 || resp.StatusCode > 499) {
		return errors.New(req.Method + " " + req.URL.Path + ": the API answered " + strconv.Itoa(resp.StatusCode) +
			" to a request openapi.yaml calls invalid: " + reqErr.Error())
	}
	err = openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: reqInput,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(respBody)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true},
	})
	if err != nil {
		return errors.New(req.Method + " " + req.URL.Path + " answered " + strconv.Itoa(resp.StatusCode) +
			" in a way openapi.yaml does not describe: " + err.Error())
	}
	return nil
}

// errorBody checks that an answer to a route the document lacks is in the
// error shape.
func (c *Contract) errorBody(resp *http.Response, body []byte) error {
	schema := c.Doc.Components.Schemas["Error"]
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return errors.New("a " + strconv.Itoa(resp.StatusCode) + " answer is not JSON: " + string(body))
	}
	if err := schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return errors.New("a " + strconv.Itoa(resp.StatusCode) + " answer is not in the error shape: " + err.Error())
	}
	return nil
}

// Handler wraps an API handler so every exchange through it is checked;
// a departure fails t.
func (c *Contract) Handler(t testing.TB, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("reading the request body: %v", err)
		}
		validated := r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if err := c.Check(validated, body, rec.Result(), rec.Body.Bytes()); err != nil {
			t.Errorf("OpenAPI contract: %v", err)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// Transport wraps a client's transport (nil: http.DefaultTransport) so
// every exchange the client makes is checked; a departure fails t.
func (c *Contract) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		var body []byte
		if req.Body != nil {
			var err error
			if body, err = io.ReadAll(req.Body); err != nil {
				return nil, err
			}
			req.Body = io.NopCloser(bytes.NewReader(body))
		}
		resp, err := base.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		respBody, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(respBody))
		if err := c.Check(req, body, resp, respBody); err != nil {
			t.Errorf("OpenAPI contract: %v", err)
		}
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
