package testenv

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"
)

// TwilioMessage is one SMS the Twilio test server accepted.
type TwilioMessage struct {
	SID        string
	AccountSID string
	From       string
	To         string
	Body       string
}

// TwilioServer is an HTTP server shaped like Twilio's Messages API: the
// same path, form fields, basic auth, answers and JSON errors.
type TwilioServer struct {
	// URL is the base URL to use in place of https://api.twilio.com.
	URL        string
	AccountSID string
	AuthToken  string

	mu       sync.Mutex
	messages []TwilioMessage
	fail     twilioFailure
}

type twilioFailure struct {
	status, code, left int
}

// e164 is the phone number form Twilio accepts for To.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

// Twilio starts a Twilio-shaped server with a fresh account SID and auth
// token; it lives until the test ends.
func Twilio(t testing.TB) *TwilioServer {
	t.Helper()
	s := &TwilioServer{AccountSID: "AC" + randomSuffix(16), AuthToken: randomSuffix(16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", s.createMessage)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// FailNext makes the next n message requests fail with the HTTP status and
// Twilio error code, e.g. (400, 21610) for an unsubscribed recipient or
// (429, 20429) for too many requests.
func (s *TwilioServer) FailNext(status, code, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = twilioFailure{status: status, code: code, left: n}
}

// Messages returns the messages accepted so far, oldest first.
func (s *TwilioServer) Messages() []TwilioMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TwilioMessage(nil), s.messages...)
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

func (s *TwilioServer) createMessage(w http.ResponseWriter, r *http.Request) {
	sid, token, ok := r.BasicAuth()
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
	m := TwilioMessage{AccountSID: sid, From: r.PostForm.Get("From"), To: r.PostForm.Get("To"), Body: r.PostForm.Get("Body")}
	switch {
	case m.To == "":
		writeTwilioError(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
		return
	case !e164.MatchString(m.To):
		writeTwilioError(w, http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", m.To))
		return
	case m.From == "":
		writeTwilioError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case m.Body == "":
		writeTwilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	}
	m.SID = "SM" + randomSuffix(16)
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"sid":          m.SID,
		"account_sid":  m.AccountSID,
		"from":         m.From,
		"to":           m.To,
		"body":         m.Body,
		"status":       "queued",
		"num_segments": "1",
		"direction":    "outbound-api",
		"api_version":  "2010-04-01",
		"uri":          fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s.json", m.AccountSID, m.SID),
	})
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
