package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
)

// The codec endpoint is Temporal's remote codec protocol: the Web UI's
// "codec server" setting (and the Temporal CLI's --codec-endpoint) post
// {"payloads": [...]} to <endpoint>/decode and <endpoint>/encode and get
// the payloads back decoded or encoded. It lets an operator who holds an
// API token read the encrypted histories in the Web UI; the keys never
// leave the starter.

// CodecPath is where the codec endpoint answers: the endpoint to give the
// Web UI and the CLI is CCFLOW_PUBLIC_URL + CodecPath.
const CodecPath = "/codec"

// maxCodecBody bounds a codec request. The Web UI sends the payloads of
// one event, or of a page of them; Temporal refuses a single payload over
// 2 MiB, so a few of those fit.
const maxCodecBody = 8 << 20

// codecHeaders are the request headers a browser may send on /codec: the
// token, the JSON content type and the namespace the Web UI names.
const codecHeaders = "Authorization, Content-Type, X-Namespace"

// codecServer serves the codec endpoint.
type codecServer struct {
	codec converter.PayloadCodec
	// origin is the one browser origin allowed to call the endpoint
	// (the Temporal Web UI's); "" allows none.
	origin string
	// namespace is the namespace whose payloads the keys seal; a request
	// naming another is refused.
	namespace string
}

// webOrigin is the origin (scheme://host[:port]) of a base URL such as
// CCFLOW_TEMPORAL_UI_URL; "" when it has none.
func webOrigin(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}

// cors lets the Web UI's origin, and no other, read the endpoint's
// answers: browsers of other origins get no CORS headers, so they cannot
// use an operator's credentials against it. It answers preflights itself,
// before the token check: browsers send preflights without credentials.
func (c *codecServer) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && c.origin != "" && strings.EqualFold(origin, c.origin)
		w.Header().Add("Vary", "Origin")
		if allowed {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			// The Web UI may be set to send cookies ("include cross-origin
			// credentials"); with them, the origin must be named exactly.
			w.Header().Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method != http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		if !allowed {
			writeError(w, &apiError{Status: http.StatusForbidden, Code: codeForbidden,
				Message: fmt.Sprintf("origin %q may not call the codec endpoint: only the Temporal Web UI's (CCFLOW_TEMPORAL_UI_URL) may", origin)})
			return
		}
		w.Header().Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		w.Header().Set("Access-Control-Allow-Headers", codecHeaders)
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}

// serve decodes or encodes the payloads of one request.
func (c *codecServer) serve(op string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if c.codec == nil {
			return &apiError{Status: http.StatusNotFound, Code: codeNotFound,
				Message: "the codec endpoint serves only when CCFLOW_PAYLOAD_KEYS is set: without it, payloads are not encrypted"}
		}
		if ns := r.Header.Get("X-Namespace"); ns != "" && ns != c.namespace {
			return &apiError{Status: http.StatusBadRequest, Code: codeInvalidField, Field: "X-Namespace",
				Message: fmt.Sprintf("X-Namespace: this codec holds the keys of namespace %q, not of %q", c.namespace, ns)}
		}
		body, err := readCodecBody(w, r)
		if err != nil {
			return err
		}
		var in commonpb.Payloads
		if err := protojson.Unmarshal(body, &in); err != nil {
			return &apiError{Status: http.StatusBadRequest, Code: codeInvalidJSON,
				Message: `the body must be {"payloads": [...]} in Temporal's JSON form: ` + err.Error(), cause: err}
		}
		var out []*commonpb.Payload
		if op == "encode" {
			out, err = c.codec.Encode(in.Payloads)
		} else {
			out, err = c.codec.Decode(in.Payloads)
		}
		if err != nil {
			// A payload sealed with a key this starter does not hold, or
			// altered: the caller's input, and the message says which key.
			return &apiError{Status: http.StatusBadRequest, Code: codeInvalidField, Field: "payloads",
				Message: fmt.Sprintf("payloads: cannot %s: %v", op, err), cause: err}
		}
		data, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
		if err != nil {
			return fmt.Errorf("writing the %sd payloads: %w", op, err)
		}
		if len(out) == 0 {
			data = []byte(`{"payloads":[]}`) // protojson leaves an empty list out
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(data) // the client went away; nothing left to tell it
		return nil
	}
}

// readCodecBody reads a codec request's JSON body, up to maxCodecBody.
func readCodecBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return nil, &apiError{Status: http.StatusUnsupportedMediaType, Code: codeUnsupportedType,
			Message: "the request body must be JSON (Content-Type: application/json)"}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCodecBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Code: codeTooLarge,
			Message: fmt.Sprintf("the request body is larger than %d bytes", maxCodecBody)}
	case err != nil:
		return nil, &apiError{Status: http.StatusBadRequest, Code: codeInvalidJSON, Message: "reading the request body: " + err.Error(), cause: err}
	}
	return data, nil
}
