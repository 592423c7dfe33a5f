package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/ccflow/ccflow/codec"
	"github.com/ccflow/ccflow/codec/codectest"
	"github.com/ccflow/ccflow/web/api"
	"github.com/ccflow/ccflow/web/api/apitest"
)

const (
	codecToken = "codec-test-token"
	webUI      = "https://temporal-ui.example.com"
)

// codecAPI is the API with payload keys and a Web UI, and nothing behind
// the use cases: the codec endpoint needs neither PostgreSQL nor Temporal.
func codecAPI(t *testing.T, keys *codec.Keyring) *httptest.Server {
	t.Helper()
	cfg := api.Config{APIToken: codecToken, TemporalUIURL: webUI + "/", Namespace: "contact-center"}
	if keys != nil {
		cfg.PayloadCodec = keys.Codec()
	}
	// Every exchange is checked against openapi.yaml, as the other API tests' are.
	srv := httptest.NewServer(apitest.Load(t).Handler(t, api.New(cfg)))
	t.Cleanup(srv.Close)
	return srv
}

// remoteCodec is the SDK's client of a remote codec, as the CLI and
// Temporal's tools use it.
func remoteCodec(srv *httptest.Server, header ...string) converter.PayloadCodec {
	return converter.NewRemotePayloadCodec(converter.RemotePayloadCodecOptions{
		Endpoint: srv.URL + api.CodecPath,
		ModifyRequest: func(r *http.Request) error {
			for i := 0; i+1 < len(header); i += 2 {
				r.Header.Set(header[i], header[i+1])
			}
			return nil
		},
	})
}

func sealed(t *testing.T, keys *codec.Keyring, v any) []*commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	out, err := keys.Codec().Encode([]*commonpb.Payload{p})
	require.NoError(t, err)
	return out
}

func TestTheSDKsRemoteCodecDecodesAndEncodesThroughTheEndpoint(t *testing.T) {
	keys := codectest.Keyring()
	remote := remoteCodec(codecAPI(t, keys), "Authorization", "Bearer "+codecToken, "X-Namespace", "contact-center")

	decoded, err := remote.Decode(sealed(t, keys, map[string]string{"email": "ada@example.com"}))
	require.NoError(t, err)
	var back map[string]string
	require.NoError(t, converter.GetDefaultDataConverter().FromPayload(decoded[0], &back))
	require.Equal(t, "ada@example.com", back["email"])

	plain, err := converter.GetDefaultDataConverter().ToPayload("signal input typed in the Web UI")
	require.NoError(t, err)
	encoded, err := remote.Encode([]*commonpb.Payload{plain})
	require.NoError(t, err)
	require.Equal(t, codec.EncodingEncrypted, string(encoded[0].Metadata["encoding"]))
	opened, err := keys.Codec().Decode(encoded)
	require.NoError(t, err)
	require.Equal(t, plain.String(), opened[0].String())
}

// post sends a codec request as a browser or a script would.
func post(t *testing.T, srv *httptest.Server, method, path, body string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(resp.Body)
	require.NoError(t, err)
	return resp, b.String()
}

func payloadsJSON(t *testing.T, payloads []*commonpb.Payload) string {
	t.Helper()
	type jsonPayload struct {
		Metadata map[string]string `json:"metadata"`
		Data     string            `json:"data"`
	}
	var list []jsonPayload
	for _, p := range payloads {
		md := map[string]string{}
		for k, v := range p.Metadata {
			md[k] = base64.StdEncoding.EncodeToString(v)
		}
		list = append(list, jsonPayload{Metadata: md, Data: base64.StdEncoding.EncodeToString(p.Data)})
	}
	data, err := json.Marshal(map[string]any{"payloads": list})
	require.NoError(t, err)
	return string(data)
}

func TestTheCodecEndpointAnswersOnlyWithTheToken(t *testing.T) {
	keys := codectest.Keyring()
	srv := codecAPI(t, keys)
	body := payloadsJSON(t, sealed(t, keys, "Ada"))
	for name, header := range map[string][]string{
		"no token":    nil,
		"wrong token": {"Authorization", "Bearer nope"},
		"basic auth":  {"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+codecToken))},
	} {
		t.Run(name, func(t *testing.T) {
			resp, text := post(t, srv, http.MethodPost, "/codec/decode", body, append(header, "Content-Type", "application/json")...)
			require.Equal(t, http.StatusUnauthorized, resp.StatusCode, text)
			require.NotContains(t, text, "Ada")
		})
	}
}

func TestTheCodecEndpointLetsOnlyTheWebUIsOriginReadItsAnswers(t *testing.T) {
	keys := codectest.Keyring()
	srv := codecAPI(t, keys)

	t.Run("preflight of the Web UI", func(t *testing.T) {
		resp, text := post(t, srv, http.MethodOptions, "/codec/decode", "",
			"Origin", webUI, "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type,x-namespace")
		require.Equal(t, http.StatusNoContent, resp.StatusCode, text)
		require.Equal(t, webUI, resp.Header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
		require.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "POST")
		for _, h := range []string{"Authorization", "Content-Type", "X-Namespace"} {
			require.Contains(t, resp.Header.Get("Access-Control-Allow-Headers"), h)
		}
		require.Contains(t, resp.Header.Values("Vary"), "Origin")
	})
	t.Run("preflight of another origin", func(t *testing.T) {
		resp, text := post(t, srv, http.MethodOptions, "/codec/decode", "",
			"Origin", "https://evil.example.com", "Access-Control-Request-Method", "POST")
		require.Equal(t, http.StatusForbidden, resp.StatusCode, text)
		require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
		require.Contains(t, text, `origin \"https://evil.example.com\" may not call the codec endpoint`)
	})
	for origin, allowed := range map[string]bool{webUI: true, "https://evil.example.com": false, "http://temporal-ui.example.com": false} {
		t.Run("decode from "+origin, func(t *testing.T) {
			resp, text := post(t, srv, http.MethodPost, "/codec/decode", payloadsJSON(t, sealed(t, keys, "Ada")),
				"Origin", origin, "Authorization", "Bearer "+codecToken, "Content-Type", "application/json")
			require.Equal(t, http.StatusOK, resp.StatusCode, text)
			if allowed {
				require.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"))
			} else {
				require.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "a browser on %s cannot read the answer", origin)
			}
		})
	}
	t.Run("a refused token still tells the Web UI why", func(t *testing.T) {
		resp, _ := post(t, srv, http.MethodPost, "/codec/decode", "{}", "Origin", webUI, "Content-Type", "application/json")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		require.Equal(t, webUI, resp.Header.Get("Access-Control-Allow-Origin"))
	})
}

func TestTheCodecEndpointRefusesWhatItCannotServe(t *testing.T) {
	keys := codectest.Keyring()
	srv := codecAPI(t, keys)
	auth := []string{"Authorization", "Bearer " + codecToken, "Content-Type", "application/json"}
	other, err := codec.ParseKeys("elsewhere:" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	require.NoError(t, err)

	for _, tc := range []struct {
		name, path, body string
		header           []string
		status           int
		want             string
	}{
		{"another namespace", "/codec/decode", `{"payloads": []}`, []string{"X-Namespace", "billing"}, http.StatusBadRequest,
			`this codec holds the keys of namespace \"contact-center\", not of \"billing\"`},
		{"a key it does not hold", "/codec/decode", payloadsJSON(t, sealed(t, other, "Ada")), nil, http.StatusBadRequest,
			`encrypted with key \"elsewhere\", which is not among the keys held (test-2, test-1)`},
		{"not JSON", "/codec/decode", "payloads", nil, http.StatusBadRequest, `the body must be {\"payloads\": [...]}`},
		{"too large", "/codec/encode", `{"payloads": [{"data": "` + strings.Repeat("A", 9<<20) + `"}]}`, nil,
			http.StatusRequestEntityTooLarge, "larger than"},
		{"another content type", "/codec/decode", `{"payloads": []}`, []string{"Content-Type", "text/plain"},
			http.StatusUnsupportedMediaType, "must be JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, text := post(t, srv, http.MethodPost, tc.path, tc.body, append(auth, tc.header...)...)
			require.Equal(t, tc.status, resp.StatusCode, text)
			require.Contains(t, text, tc.want)
		})
	}

	t.Run("an empty list", func(t *testing.T) {
		resp, text := post(t, srv, http.MethodPost, "/codec/decode", `{"payloads": []}`, auth...)
		require.Equal(t, http.StatusOK, resp.StatusCode, text)
	})
	t.Run("without payload keys", func(t *testing.T) {
		resp, text := post(t, codecAPI(t, nil), http.MethodPost, "/codec/decode", `{"payloads": []}`, auth...)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, text)
		require.Contains(t, text, "the codec endpoint serves only when CCFLOW_PAYLOAD_KEYS is set")
	})
}
