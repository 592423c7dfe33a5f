//go:build integration

// An integration test: `make test` runs it against the PostgreSQL and Temporal servers it starts
// (one package: go run ./cmd/devenv test -- go test -tags integration ./e2e).

package e2e

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/sdk/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ccflow/ccflow/internal/testenv"
)

// The customer of the privacy tests: every value is long and unusual
// enough that finding it in a history cannot be chance.
const (
	privateFirst   = "Augusta"
	privateLast    = "Byron-King"
	privateEmail   = "augusta.king@example.org"
	privatePhone   = "+15557654321"
	privateComment = "the refund took eleven days"
)

func privateEvent(id string) map[string]any {
	ev := seedEvent(id)
	ev["customer"] = map[string]any{"id": "C-1815", "first_name": privateFirst, "last_name": privateLast,
		"email": privateEmail, "phone": privatePhone}
	return ev
}

// privateEntry puts the customer's data everywhere a run carries it: the
// survey email and its link, the answer, a request to an internal API
// with the customer in its path and body and an answer that echoes them,
// an SMS, and a last email the SMTP server refuses naming the address, so
// the run fails with the SMTP server's words.
func privateEntry() map[string]any {
	return map[string]any{
		"name":     "Privacy check",
		"service":  "Billing Support",
		"triggers": []any{map[string]any{"type": "disposition", "disposition": "Problem solved"}},
		"steps": []any{
			map[string]any{"id": "survey", "type": "send_survey", "channel": "email",
				"subject":  "How did we do, $(customer.first_name) $(customer.last_name)?",
				"question": "How did we do?", "text": "Answer here: $(survey.url)", "wait": "1h"},
			map[string]any{"id": "crm-note", "type": "http_request", "method": "POST", "connection": "crm",
				"path":    "/notes/$(customer.id)?email=$(customer.email)&phone=$(customer.phone)",
				"headers": map[string]any{"Content-Type": "application/json"},
				"body":    `{"comment": "$(survey.comment)", "name": "$(customer.first_name) $(customer.last_name)"}`,
				"save_as": "crm"},
			map[string]any{"id": "thanks", "type": "send_sms", "text": "Thanks $(customer.first_name), we noted: $(survey.comment)"},
			map[string]any{"id": "last-word", "type": "send_email", "subject": "Bye $(crm.body.account_holder)", "text": "$(survey.comment)"},
		},
	}
}

// startPrivateCRM is an internal API that answers a note with the
// customer's name and the note.
func startPrivateCRM(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/notes/{id}", func(w http.ResponseWriter, r *http.Request) {
		var note map[string]any
		_ = json.NewDecoder(r.Body).Decode(&note)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"account_holder": note["name"], "note": note["comment"], "email": r.URL.Query().Get("email")})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// privateRun runs privateEntry for a customer through a ccflow whose
// payload keys are the tests' (testenv.PayloadKeysValue), answers its
// survey and returns the system, the run's workflow ID and the survey link.
func privateRun(t *testing.T, s *system) (workflowID, link string) {
	t.Helper()
	var created map[string]any
	require.Equal(t, http.StatusCreated, s.call(http.MethodPost, "/v1/entries", privateEntry(), &created), "%v", created)
	id := interactionID("INT-1815")
	workflowID = "privacy-check/" + id
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/interactions/ended", privateEvent(id), nil))
	survey := s.smtp.WaitForMessages(t, 1, 30*time.Second)[0]
	link = surveyLink.FindString(survey.Text)
	require.NotEmpty(t, link)
	s.smtp.FailNext(550, 1) // the last email is refused for good: the run fails naming the address
	answer, err := http.PostForm(link, url.Values{"score": {"2"}, "comment": {privateComment}})
	require.NoError(t, err)
	answer.Body.Close()
	require.Equal(t, http.StatusOK, answer.StatusCode)
	require.Equal(t, "Thanks "+privateFirst+", we noted: "+privateComment, s.twilio.WaitForMessages(t, 1, 30*time.Second)[0].Body)
	s.waitForRun(workflowID, "failed", 30*time.Second)
	return workflowID, link
}

// rawHistory is the run's history as the server stores it, read by a
// client without the codec, in `temporal workflow show --output json`'s
// form and in protobuf's text form.
func rawHistory(t *testing.T, c client.Client, workflowID string) ([]*historypb.HistoryEvent, string) {
	t.Helper()
	var events []*historypb.HistoryEvent
	var text strings.Builder
	iter := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		require.NoError(t, err)
		events = append(events, e)
		data, err := protojson.Marshal(e)
		require.NoError(t, err)
		text.Write(data)
		text.WriteString("\n")
		text.WriteString(e.String())
		text.WriteString("\n")
	}
	return events, text.String()
}

// customerData is every value of the customer's a history could hold.
func customerData(link string) []string {
	token := link[strings.LastIndex(link, "/")+1:]
	return []string{privateFirst, privateLast, privateEmail, url.QueryEscape(privateEmail), privatePhone,
		strings.TrimPrefix(privatePhone, "+"), url.QueryEscape(privatePhone), privateComment, link, token}
}

func requireNoCustomerData(t *testing.T, where, text, link string) {
	t.Helper()
	lower := strings.ToLower(text)
	for _, pii := range customerData(link) {
		if i := strings.Index(lower, strings.ToLower(pii)); i >= 0 {
			// Where it was found, not the whole history: it can be long.
			t.Errorf("%s holds the customer's %q: …%s…", where, pii, text[max(0, i-120):min(len(text), i+len(pii)+40)])
		}
	}
}

// metadataQuery is the query the Web UI reads a run's current details with.
const metadataQuery = "__temporal_workflow_metadata"

func TestAnEncryptedHistoryHoldsNoCustomerDataInClear(t *testing.T) {
	crm := startPrivateCRM(t)
	s := startSystem(t, "CCFLOW_PAYLOAD_KEYS="+testenv.PayloadKeysValue(),
		"CCFLOW_CONNECTION_CRM_URL="+crm.URL+"/api", "CCFLOW_CONNECTION_CRM_TOKEN=crm-token")
	workflowID, link := privateRun(t, s)

	events, raw := rawHistory(t, testenv.TemporalPlain(t), workflowID)

	requireNoCustomerData(t, "the raw history", raw, link)
	require.Contains(t, raw, "binary/encrypted", "payloads are sealed")

	// What stays readable without the keys: search attributes.
	plain := converter.GetDefaultDataConverter()
	keyed := testenv.PayloadKeys(t).DataConverter()
	var attributes, summaries []string
	for _, e := range events {
		for _, sa := range []*commonpb.SearchAttributes{
			e.GetWorkflowExecutionStartedEventAttributes().GetSearchAttributes(),
			e.GetUpsertWorkflowSearchAttributesEventAttributes().GetSearchAttributes(),
		} {
			for name, p := range sa.GetIndexedFields() {
				var v any
				require.NoError(t, plain.FromPayload(p, &v), "search attribute %s is readable without keys", name)
				attributes = append(attributes, fmt.Sprintf("%s=%v", name, v))
			}
		}
		// Summaries and details are sealed like every payload; opened,
		// they still name no customer.
		for _, p := range []*commonpb.Payload{e.GetUserMetadata().GetSummary(), e.GetUserMetadata().GetDetails()} {
			if p == nil {
				continue
			}
			var text string
			require.NoError(t, keyed.FromPayload(p, &text))
			summaries = append(summaries, text)
		}
	}
	require.Contains(t, attributes, "CcflowCustomerId=C-1815", "the contact center's customer id is no name or address")
	requireNoCustomerData(t, "the search attributes", strings.Join(attributes, "\n"), link)
	require.Contains(t, summaries, "Privacy check · "+strings.TrimPrefix(workflowID, "privacy-check/")+" · Problem solved")
	require.Contains(t, summaries, "send SMS for step thanks")
	require.Contains(t, summaries, "HTTP POST for step crm-note")
	requireNoCustomerData(t, "the summaries", strings.Join(summaries, "\n"), link)

	var md sdk.WorkflowMetadata
	v, err := s.temporal.QueryWorkflow(context.Background(), workflowID, "", metadataQuery)
	require.NoError(t, err)
	require.NoError(t, v.Get(&md))
	require.Equal(t, `step "last-word" (send_email) failed: the run's failure says why`, md.GetCurrentDetails())

	// The failure's message is there, sealed: opened with the keys, it
	// names the address.
	var failure string
	for _, e := range events {
		if f := e.GetWorkflowExecutionFailedEventAttributes().GetFailure(); f != nil {
			require.NotContains(t, f.GetMessage(), privateEmail)
			failure = testenv.TemporalOptions(t).FailureConverter.FailureToError(f).Error()
		}
	}
	require.Contains(t, failure, "sending email to "+privateEmail, "the run's own words, sealed")
	require.Contains(t, failure, "email of step last-word refused", "the activity's: its step, not its recipient (the worker logs them)")
	require.Contains(t, failure, "550")
}

func TestACodecClientDecodesARunThroughTheStartersCodecEndpoint(t *testing.T) {
	crm := startPrivateCRM(t)
	s := startSystem(t, "CCFLOW_PAYLOAD_KEYS="+testenv.PayloadKeysValue(),
		"CCFLOW_CONNECTION_CRM_URL="+crm.URL+"/api", "CCFLOW_CONNECTION_CRM_TOKEN=crm-token")
	workflowID, _ := privateRun(t, s)
	endpoint := s.baseURL + "/codec"

	t.Run("the Temporal CLI", func(t *testing.T) {
		show := func(args ...string) (string, error) {
			cmd := exec.Command(testenv.TemporalCLI(t), append([]string{"workflow", "show", "--workflow-id", workflowID,
				"--address", s.temporalAddress(), "--namespace", "default", "--output", "json"}, args...)...)
			out, err := cmd.CombinedOutput()
			return string(out), err
		}
		sealed, err := show()
		require.NoError(t, err, sealed)
		require.NotContains(t, payloadData(t, sealed), privateEmail)

		refused, err := show("--codec-endpoint", endpoint)
		require.Error(t, err, "no token, no data")
		require.NotContains(t, refused, privateEmail)

		out, err := show("--codec-endpoint", endpoint, "--codec-auth", "Bearer "+apiToken)
		require.NoError(t, err, out)
		decoded := payloadData(t, out)
		require.Contains(t, decoded, privateEmail)
		require.Contains(t, decoded, privateComment)
		require.Contains(t, decoded, "email of step last-word refused", "the failure's message decodes too")
	})

	t.Run("the SDK's remote codec", func(t *testing.T) {
		remote := converter.NewRemoteDataConverter(converter.GetDefaultDataConverter(), converter.RemoteDataConverterOptions{
			Endpoint: endpoint,
			ModifyRequest: func(r *http.Request) error {
				r.Header.Set("Authorization", "Bearer "+apiToken)
				r.Header.Set("X-Namespace", "default")
				return nil
			},
		})
		events, _ := rawHistory(t, testenv.TemporalPlain(t), workflowID)
		var in struct {
			Event struct {
				Customer struct {
					Email string `json:"email"`
					Phone string `json:"phone"`
				} `json:"customer"`
			} `json:"event"`
		}
		require.NoError(t, remote.FromPayloads(events[0].GetWorkflowExecutionStartedEventAttributes().GetInput(), &in))
		require.Equal(t, privateEmail, in.Event.Customer.Email)
		require.Equal(t, privatePhone, in.Event.Customer.Phone)
	})
}

// payloadData is the data of every payload in the CLI's JSON output of a
// history (base64 there), decoded and joined: what a person reading the
// history sees of its payloads.
func payloadData(t *testing.T, out string) string {
	t.Helper()
	var doc any
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "data" {
					data, err := base64.StdEncoding.DecodeString(s)
					require.NoError(t, err)
					b.Write(data)
					b.WriteString("\n")
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	return b.String()
}

// temporalAddress is the Temporal server the system's processes use.
func (s *system) temporalAddress() string {
	for i := len(s.env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(s.env[i], "TEMPORAL_ADDRESS="); ok {
			return v
		}
	}
	return ""
}

// codecSettings is what an operator sets in the Web UI's codec server
// settings (kept in the browser's local storage): the endpoint and "pass
// the user access token". The UI asks globalThis.AccessToken for the token
// when a page defines it; here the test defines it, as a deployment's own
// sign-in would. The UI sends a token only to an https endpoint.
func codecSettings(endpoint, token string) string {
	return fmt.Sprintf(`try {
		localStorage.setItem("endpoint", %q);
		localStorage.setItem("passAccessToken", "true");
		localStorage.setItem("overrideRemoteCodecConfiguration", "true");
	} catch (e) {}
	globalThis.AccessToken = async () => %q;`, mustJSON(endpoint), token)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func TestTheWebUIShowsADecodedRunThroughTheCodecEndpoint(t *testing.T) {
	temporal := startTemporalServerUI(t, true)
	t.Setenv("TEMPORAL_ADDRESS", temporal.address)
	t.Setenv("TEMPORAL_NAMESPACE", "default")
	addr := freeAddr(t)
	// The Web UI sends the token to https endpoints only: TLS ends in front
	// of the starter, as a load balancer's would.
	starter, err := url.Parse("http://" + addr)
	require.NoError(t, err)
	tlsFront := httptest.NewTLSServer(httputil.NewSingleHostReverseProxy(starter))
	t.Cleanup(tlsFront.Close)
	crm := startPrivateCRM(t)
	// The Web UI's assets hold a codec token, which any browser can read:
	// it may call /codec and nothing else.
	const uiToken = "e2e-codec-token-for-the-temporal-web-ui"
	s := startSystemAt(t, addr, "CCFLOW_PAYLOAD_KEYS="+testenv.PayloadKeysValue(), "CCFLOW_TEMPORAL_UI_URL="+temporal.uiURL,
		"CCFLOW_CONNECTION_CRM_URL="+crm.URL+"/api", "CCFLOW_CONNECTION_CRM_TOKEN=crm-token", "CCFLOW_CODEC_TOKEN="+uiToken)
	workflowID, _ := privateRun(t, s)
	req, err := http.NewRequest(http.MethodGet, s.baseURL+"/v1/workflows/"+urlEscape(workflowID), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+uiToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the codec token reads no run through the API")
	var run struct {
		RunID string `json:"run_id"`
	}
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/workflows/"+urlEscape(workflowID), nil, &run))
	history := fmt.Sprintf("%s/namespaces/default/workflows/%s/%s/history", temporal.uiURL, url.PathEscape(workflowID), run.RunID)

	ctx := browser(t, chromedp.Flag("ignore-certificate-errors", true))
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: codecSettings(tlsFront.URL+"/codec", uiToken)})
		return err
	})))
	waitForText(t, ctx, history, workflowID, privateEmail)
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	screenshot(t, "webui-decoded-run.png", shot)

	// Without the codec settings the same page cannot read the payloads:
	// it shows the run, with null for its input.
	plain := browser(t)
	require.NoError(t, chromedp.Do(plain, chromedp.EmulateViewport(1440, 900)))
	waitForText(t, plain, history, workflowID, "Input\nnull")
	text, err := chromedp.Run(plain, chromedp.Evaluate[string](pageText))
	require.NoError(t, err)
	require.NotContains(t, text, privateEmail)
	sealed, err := chromedp.Run(plain, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	screenshot(t, "webui-sealed-run.png", sealed)
}
