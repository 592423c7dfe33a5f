package testenv

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/ccflow/ccflow/providers/twilio"
)

// TwilioMessage is one SMS the Twilio test server accepted.
type TwilioMessage struct {
	SID                 string
	AccountSID          string
	From                string
	MessagingServiceSID string
	To                  string
	Body                string
	StatusCallback      string
	// Params is the whole form the message was created with.
	Params url.Values
	// Received is when the server accepted the message, just before it
	// answered 201.
	Received time.Time
}

// TwilioCallback is one signed status callback the server made, and the
// status code ccflow answered it with.
type TwilioCallback struct {
	MessageSID string
	Status     string
	ErrorCode  string
	Answer     int
}

// TwilioServer is an HTTP server shaped like Twilio's Messages API: the
// same path, form fields, basic auth, answers and JSON errors. It accepts
// what Twilio's own OpenAPI description (twilio-oai, api_v2010, the
// CreateMessage operation) accepts, and refuses the rest with Twilio's
// error codes. After it accepts a message with a StatusCallback it posts
// the message's statuses there (queued, sent, delivered; or failed with an
// error code), signed as Twilio signs them, and it can post inbound
// messages the same way: from any number (PostInbound), or the customer's
// reply to a message it accepted (ReplyTo).
type TwilioServer struct {
	// URL is the base URL to use in place of https://api.twilio.com.
	URL        string
	AccountSID string
	AuthToken  string

	mu        sync.Mutex
	messages  []TwilioMessage
	callbacks []TwilioCallback
	inbound   []TwilioPost
	fail      twilioFailure
	undeliver twilioFailure
	client    *http.Client
	srv       *httptest.Server
}

type twilioFailure struct {
	status, code, left int
}

// Patterns and parameter names of CreateMessage in Twilio's OpenAPI
// description (github.com/twilio/twilio-oai, spec/yaml/twilio_api_v2010.yaml,
// MIT licence): only the parts this server checks.
var (
	accountSIDPattern = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	serviceSIDPattern = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
	// e164 is the phone number form Twilio accepts for To and From.
	e164             = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	createParameters = []string{
		"To", "StatusCallback", "ApplicationSid", "MaxPrice", "ProvideFeedback", "Attempt", "ValidityPeriod",
		"ForceDelivery", "ContentRetention", "AddressRetention", "SmartEncoded", "PersistentAction", "TrafficType",
		"ShortenUrls", "ScheduleType", "SendAt", "SendAsMms", "ContentVariables", "RiskCheck", "From", "FallbackFrom",
		"MessagingServiceSid", "Body", "MediaUrl", "ContentSid",
	}
)

// Twilio starts a Twilio-shaped server with a fresh account SID and auth
// token; it lives until the test ends.
func Twilio(t testing.TB) *TwilioServer {
	t.Helper()
	s := NewTwilio()
	t.Cleanup(s.Close)
	return s
}

// NewTwilio starts a Twilio-shaped server outside a test (the soak counts
// what it receives); Close stops it.
func NewTwilio() *TwilioServer {
	s := &TwilioServer{AccountSID: "AC" + randomSuffix(16), AuthToken: randomSuffix(16), client: &http.Client{Timeout: 10 * time.Second}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", s.createMessage)
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *TwilioServer) Close() { s.srv.Close() }

// FailNext makes the next n message requests fail with the HTTP status and
// Twilio error code, e.g. (400, 21610) for an unsubscribed recipient or
// (429, 20429) for too many requests.
func (s *TwilioServer) FailNext(status, code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = twilioFailure{status: status, code: code, left: n}
}

// FailDeliveryNext makes the next n accepted messages end as failed with
// the error code (e.g. 30003, unreachable handset) instead of delivered.
func (s *TwilioServer) FailDeliveryNext(code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.undeliver = twilioFailure{code: code, left: n}
}

// Messages returns the messages accepted so far, oldest first.
func (s *TwilioServer) Messages() []TwilioMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TwilioMessage(nil), s.messages...)
}

// Callbacks returns the status callbacks made so far, oldest first.
func (s *TwilioServer) Callbacks() []TwilioCallback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TwilioCallback(nil), s.callbacks...)
}

// MessagesFrom returns the messages accepted after the first n, oldest
// first: what a poller that has seen n messages has not seen yet.
func (s *TwilioServer) MessagesFrom(n int) []TwilioMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n >= len(s.messages) {
		return nil
	}
	return append([]TwilioMessage(nil), s.messages[n:]...)
}

// WaitForMessages waits until the server holds at least n messages and
// returns them; when timeout passes first it fails the test, listing what
// did arrive.
func (s *TwilioServer) WaitForMessages(t testing.TB, n int, timeout time.Duration) []TwilioMessage {
	t.Helper()
	return waitForCount(t, "Twilio messages", n, timeout, s.Messages, func(m TwilioMessage) string {
		return fmt.Sprintf("from %s to %s: %q", m.From, m.To, m.Body)
	})
}

// WaitForCallbacks waits until the server has made at least n status
// callbacks and returns them.
func (s *TwilioServer) WaitForCallbacks(t testing.TB, n int, timeout time.Duration) []TwilioCallback {
	t.Helper()
	return waitForCount(t, "Twilio status callbacks", n, timeout, s.Callbacks, func(c TwilioCallback) string {
		return fmt.Sprintf("%s %s (%s): answered %d", c.MessageSID, c.Status, c.ErrorCode, c.Answer)
	})
}

// TwilioPost is one webhook post the server made, as it made it: the URL,
// the form and the headers (the signature and Twilio's idempotency token
// among them). Posting it again (Repost) is what Twilio's retry, or a
// replay of a captured post, sends.
type TwilioPost struct {
	URL    string
	Form   url.Values
	Header http.Header
}

// IdempotencyTokenHeader is the header Twilio puts the same token in on
// every retry of one webhook post.
const IdempotencyTokenHeader = "I-Twilio-Idempotency-Token"

// PostInbound posts an incoming SMS from a number to webhookURL, as Twilio
// does for a message to one of the account's numbers, signed with the
// auth token and carrying an idempotency token; it returns ccflow's
// status, content type and body. InboundPosts lists the posts made.
func (s *TwilioServer) PostInbound(t testing.TB, webhookURL, from, to, body string) (int, string, string) {
	t.Helper()
	return s.postInbound(t, webhookURL, from, to, "", body)
}

// ReplyTo posts the customer's reply to m, a message the server accepted,
// to webhookURL as Twilio posts an incoming message: from the number m
// went to, to the number it came from (for a message of a Messaging
// Service, to ServiceNumber, the service's number that sent it, with the
// service's SID), signed, with an idempotency token. InboundPosts lists it.
func (s *TwilioServer) ReplyTo(t testing.TB, webhookURL string, m TwilioMessage, body string) (int, string, string) {
	t.Helper()
	to := m.From
	if m.MessagingServiceSID != "" {
		to = ServiceNumber
	}
	return s.postInbound(t, webhookURL, m.To, to, m.MessagingServiceSID, body)
}

// ServiceNumber is the number of the account's Messaging Service: a reply
// to a message the service sent is to it.
const ServiceNumber = "+15550009999"

// postInbound posts an incoming message as Twilio does: the fields of
// Twilio's incoming-message webhook, NumSegments counted as Twilio
// splits the text.
func (s *TwilioServer) postInbound(t testing.TB, webhookURL, from, to, service, body string) (int, string, string) {
	t.Helper()
	sid := "SM" + randomSuffix(16)
	form := url.Values{
		"MessageSid": {sid}, "SmsSid": {sid}, "SmsMessageSid": {sid}, "AccountSid": {s.AccountSID},
		"From": {from}, "To": {to}, "Body": {body}, "NumMedia": {"0"}, "NumSegments": {strconv.Itoa(Segments(body))},
		"SmsStatus": {"received"}, "ApiVersion": {"2010-04-01"},
	}
	if service != "" {
		form.Set("MessagingServiceSid", service)
	}
	p := s.newPost(webhookURL, form)
	s.mu.Lock()
	s.inbound = append(s.inbound, p)
	s.mu.Unlock()
	return s.Repost(t, p)
}

// gsm7 are the characters of the GSM 03.38 basic alphabet, one septet
// each; gsm7Extension those of its extension table, two septets each.
const (
	gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extension = "\f^{}\\[~]|€"
)

// Segments is how many SMS segments Twilio splits body into: text of the
// GSM-7 alphabet takes 160 septets in one segment, 153 in each of several;
// any other text is UCS-2, 70 UTF-16 units in one, 67 in each of several.
// Twilio takes up to 1,600 characters (ten segments and more).
func Segments(body string) int {
	septets, gsm := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Extension, r):
			septets += 2
		default:
			gsm = false
		}
	}
	single, each, n := 160, 153, septets
	if !gsm {
		single, each, n = 70, 67, len(utf16.Encode([]rune(body)))
	}
	if n <= single {
		return 1
	}
	return (n + each - 1) / each
}

// InboundPosts are the inbound messages PostInbound posted, oldest first.
func (s *TwilioServer) InboundPosts() []TwilioPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TwilioPost(nil), s.inbound...)
}

// Repost posts p again, byte for byte: Twilio retrying it, or someone who
// captured it replaying it. It returns ccflow's status, content type and
// body.
func (s *TwilioServer) Repost(t testing.TB, p TwilioPost) (int, string, string) {
	t.Helper()
	status, contentType, answer, err := s.send(p)
	if err != nil {
		t.Fatalf("posting to %s: %v", p.URL, err)
	}
	return status, contentType, answer
}

// newPost signs form for target as Twilio does, with an idempotency token
// of its own.
func (s *TwilioServer) newPost(target string, form url.Values) TwilioPost {
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("User-Agent", "TwilioProxy/1.1")
	h.Set(twilio.SignatureHeader, twilio.Signature(s.AuthToken, target, form))
	h.Set(IdempotencyTokenHeader, randomSuffix(16)+"-"+randomSuffix(8))
	return TwilioPost{URL: target, Form: form, Header: h}
}

func (s *TwilioServer) post(target string, form url.Values) (int, string, string, error) {
	return s.send(s.newPost(target, form))
}

func (s *TwilioServer) send(p TwilioPost) (int, string, string, error) {
	req, err := http.NewRequest(http.MethodPost, p.URL, strings.NewReader(p.Form.Encode()))
	if err != nil {
		return 0, "", "", err
	}
	req.Header = p.Header.Clone()
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body), nil
}

func (s *TwilioServer) createMessage(w http.ResponseWriter, r *http.Request) {
	sid, token, ok := r.BasicAuth()
	if !accountSIDPattern.MatchString(r.PathValue("sid")) {
		writeTwilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	if !ok || sid != s.AccountSID || token != s.AuthToken || r.PathValue("sid") != s.AccountSID {
		writeTwilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if status, code := s.takeFailure(); status != 0 {
		writeTwilioError(w, status, code, fmt.Sprintf("Test server fails this request as told (error %d).", code))
		return
	}
	if err := r.ParseForm(); err != nil {
		writeTwilioError(w, http.StatusBadRequest, 21100, "Invalid form body.")
		return
	}
	p := r.PostForm
	m := TwilioMessage{AccountSID: sid, From: p.Get("From"), MessagingServiceSID: p.Get("MessagingServiceSid"),
		To: p.Get("To"), Body: p.Get("Body"), StatusCallback: p.Get("StatusCallback"), Params: p}
	for name := range p {
		if !slices.Contains(createParameters, name) {
			writeTwilioError(w, http.StatusBadRequest, 21100, fmt.Sprintf("Test server: %q is not a parameter of CreateMessage.", name))
			return
		}
	}
	callback, cbErr := url.Parse(m.StatusCallback)
	switch {
	case m.To == "":
		writeTwilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case !e164.MatchString(m.To):
		writeTwilioError(w, http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", m.To))
		return
	case m.From == "" && m.MessagingServiceSID == "":
		writeTwilioError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case m.MessagingServiceSID != "" && !serviceSIDPattern.MatchString(m.MessagingServiceSID):
		writeTwilioError(w, http.StatusBadRequest, 21701, fmt.Sprintf("The Messaging Service Sid %s is invalid.", m.MessagingServiceSID))
		return
	case m.From != "" && !e164.MatchString(m.From):
		writeTwilioError(w, http.StatusBadRequest, 21212, fmt.Sprintf("Invalid From Number: %s", m.From))
		return
	case m.Body == "" && p.Get("MediaUrl") == "" && p.Get("ContentSid") == "":
		writeTwilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	case m.StatusCallback != "" && (cbErr != nil || !callback.IsAbs() || (callback.Scheme != "http" && callback.Scheme != "https")):
		writeTwilioError(w, http.StatusBadRequest, 21609, fmt.Sprintf("Invalid StatusCallback: %s", m.StatusCallback))
		return
	}
	m.SID = "SM" + randomSuffix(16)
	m.Received = time.Now()
	s.mu.Lock()
	s.messages = append(s.messages, m)
	failCode := 0
	if s.undeliver.left > 0 {
		s.undeliver.left--
		failCode = s.undeliver.code
	}
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sid":                   m.SID,
		"account_sid":           m.AccountSID,
		"from":                  m.From,
		"messaging_service_sid": m.MessagingServiceSID,
		"to":                    m.To,
		"body":                  m.Body,
		"status":                "queued",
		"num_segments":          "1",
		"direction":             "outbound-api",
		"api_version":           "2010-04-01",
		"uri":                   fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", m.AccountSID, m.SID),
	})
	if m.StatusCallback != "" {
		go s.reportStatuses(m, failCode)
	}
}

// reportStatuses posts the message's statuses to its StatusCallback, as
// Twilio does: queued, sent, then delivered, or failed with an error code.
func (s *TwilioServer) reportStatuses(m TwilioMessage, failCode int) {
	statuses := []string{"queued", "sent", "delivered"}
	if failCode != 0 {
		statuses = []string{"queued", "failed"}
	}
	for _, status := range statuses {
		time.Sleep(50 * time.Millisecond)
		form := url.Values{
			"MessageSid": {m.SID}, "SmsSid": {m.SID}, "MessageStatus": {status}, "SmsStatus": {status},
			"AccountSid": {m.AccountSID}, "From": {m.From}, "To": {m.To}, "ApiVersion": {"2010-04-01"},
		}
		if m.MessagingServiceSID != "" {
			form.Set("MessagingServiceSid", m.MessagingServiceSID)
		}
		code := ""
		if status == "failed" {
			code = fmt.Sprint(failCode)
			form.Set("ErrorCode", code)
		}
		answer, _, _, err := s.post(m.StatusCallback, form)
		if err != nil {
			answer = 0
		}
		s.mu.Lock()
		s.callbacks = append(s.callbacks, TwilioCallback{MessageSID: m.SID, Status: status, ErrorCode: code, Answer: answer})
		s.mu.Unlock()
	}
}

func (s *TwilioServer) takeFailure() (status, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail.left == 0 {
		return 0, 0
	}
	s.fail.left--
	return s.fail.status, s.fail.code
}

// writeTwilioError answers the way Twilio's REST API reports errors.
func writeTwilioError(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code":      code,
		"message":   message,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}
