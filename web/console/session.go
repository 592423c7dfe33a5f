package console

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ccflow/ccflow/web/auth"
)

// A session is a fingerprint of the API token an administrator entered (a
// keyed hash, never the token itself), sealed (AES-GCM) into an HttpOnly,
// SameSite=Strict cookie with a random id, when it started and when it
// expires. Every request opens it and asks auth whether the fingerprint is
// still that of an accepted token, so a token taken out of
// CCFLOW_API_TOKEN ends its sessions at once, and sessions need no table:
// any starter with the same key reads them. The id keys the session's CSRF
// token (an HMAC of it), which every form carries and every post must
// show.
//
// A session ends after sessionIdle without use, and sessionLifetime after
// it started whatever its use: then the administrator signs in again.
// Using it in the second half of its idle time renews it with a new id
// (the CSRF token of the id before still counts, for forms opened before).
//
// Signing out deletes the cookie in the browser. A copy of the cookie
// taken before stays valid until it expires, as with any stateless
// session; rotating the token ends every session at once.

const (
	sessionCookie = "ccflow_console"
	// signInCookie holds the sign-in form's CSRF token, before there is a
	// session to key one.
	signInCookie = "ccflow_console_sign_in"
	// sessionIdle is how long a session lasts without use; using it in its
	// second half renews it, with a new id.
	sessionIdle = 2 * time.Hour
	// sessionLifetime is how long a session lasts at most, renewals
	// included: then the administrator signs in again.
	sessionLifetime = 12 * time.Hour
	// csrfField is the form field, and csrfHeader the header, that carry
	// the CSRF token.
	csrfField  = "csrf"
	csrfHeader = "X-CSRF-Token"
	// minSessionKey is the shortest key that seals sessions.
	minSessionKey = 32
)

// sessionAAD binds sealed cookies to their purpose and format version.
// Version 1 sealed the token itself: such a cookie no longer opens.
var sessionAAD = []byte("ccflow console session v2")

// session is what the cookie holds.
type session struct {
	// Fingerprint is auth.Fingerprint of the token, keyed with the
	// sessions' fingerprint key.
	Fingerprint string `json:"f"`
	ID          string `json:"i"`
	// Prev is the id before the last renewal, whose CSRF token still
	// counts.
	Prev    string `json:"p,omitempty"`
	Started int64  `json:"s"`
	Expires int64  `json:"e"`
}

// sessions seals, opens and checks sessions.
type sessions struct {
	aead cipher.AEAD
	csrf []byte
	// fingerprint keys the token fingerprints sessions keep.
	fingerprint []byte
	tokens      auth.Tokens
	// secure marks cookies Secure whatever the request says (the public
	// URL is https).
	secure bool
	now    func() time.Time
}

func newSessions(key []byte, tokens auth.Tokens, secure bool) (*sessions, error) {
	if len(key) < minSessionKey {
		return nil, fmt.Errorf("console: the session key has %d bytes; at least %d are needed", len(key), minSessionKey)
	}
	// Two keys from one secret, each for one purpose.
	sealKey, err := hkdf.Key(sha256.New, key, nil, "ccflow console: session cookie", 32)
	if err != nil {
		return nil, fmt.Errorf("console: deriving the session key: %w", err)
	}
	csrfKey, err := hkdf.Key(sha256.New, key, nil, "ccflow console: csrf token", 32)
	if err != nil {
		return nil, fmt.Errorf("console: deriving the CSRF key: %w", err)
	}
	fingerprintKey, err := hkdf.Key(sha256.New, key, nil, "ccflow console: token fingerprint", 32)
	if err != nil {
		return nil, fmt.Errorf("console: deriving the fingerprint key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	return &sessions{aead: aead, csrf: csrfKey, fingerprint: fingerprintKey, tokens: tokens, secure: secure, now: time.Now}, nil
}

// start makes a session for token, which the caller has checked.
func (s *sessions) start(token string) session {
	now := s.now()
	return session{Fingerprint: auth.Fingerprint(s.fingerprint, token), ID: randomString(16),
		Started: now.Unix(), Expires: now.Add(sessionIdle).Unix()}
}

// renewed is sess renewed now, with a new id: it expires sessionIdle from
// now, never past its lifetime.
func (s *sessions) renewed(sess session) session {
	sess.Prev, sess.ID = sess.ID, randomString(16)
	sess.Expires = min(s.now().Add(sessionIdle).Unix(), sess.Started+int64(sessionLifetime/time.Second))
	return sess
}

// seal turns sess into a cookie value.
func (s *sessions) seal(sess session) string {
	plain, err := json.Marshal(sess)
	if err != nil {
		panic(fmt.Sprintf("console: encoding a session: %v", err)) // three plain fields cannot fail
	}
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, sessionAAD))
}

// open reads a cookie value: ok only when it was sealed with our key, has
// not expired and its token is still accepted.
func (s *sessions) open(value string) (session, bool) {
	data, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(data) < s.aead.NonceSize() {
		return session{}, false
	}
	nonce, sealed := data[:s.aead.NonceSize()], data[s.aead.NonceSize():]
	plain, err := s.aead.Open(nil, nonce, sealed, sessionAAD)
	if err != nil {
		return session{}, false
	}
	var sess session
	if err := json.Unmarshal(plain, &sess); err != nil || sess.ID == "" {
		return session{}, false
	}
	now := s.now().Unix()
	if now >= sess.Expires || now >= sess.Started+int64(sessionLifetime/time.Second) ||
		!s.tokens.AcceptsFingerprint(s.fingerprint, sess.Fingerprint) {
		return session{}, false
	}
	return sess, true
}

// validCSRF tells whether given is the CSRF token of sess: of its id, or
// of the id it had before its last renewal.
func (s *sessions) validCSRF(sess session, given string) bool {
	ok := sameString(given, s.csrfToken(sess.ID))
	if sess.Prev != "" {
		ok = sameString(given, s.csrfToken(sess.Prev)) || ok
	}
	return ok
}

// csrfToken is the CSRF token of the session with id.
func (s *sessions) csrfToken(id string) string {
	mac := hmac.New(sha256.New, s.csrf)
	mac.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// setCookie writes the session cookie, or deletes it when sess is nil.
func (s *sessions) setCookie(w http.ResponseWriter, r *http.Request, sess *session) {
	c := &http.Cookie{Name: sessionCookie, Path: Prefix, HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: s.isSecure(r)}
	if sess == nil {
		c.MaxAge = -1
	} else {
		c.Value = s.seal(*sess)
		c.Expires = time.Unix(sess.Expires, 0)
	}
	http.SetCookie(w, c)
}

// isSecure says whether cookies must be Secure: the public URL is https,
// the request came over TLS, or a proxy in front says it did.
func (s *sessions) isSecure(r *http.Request) bool {
	return s.secure || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

type sessionKey struct{}

// sessionFrom is the session of a request require let through.
func sessionFrom(ctx context.Context) (session, bool) {
	sess, ok := ctx.Value(sessionKey{}).(session)
	return sess, ok
}

// require lets through requests of a live session, renewing it (with a new
// id) when it is past half its idle time; posts must also carry its CSRF
// token. Others go to ended.
func (s *sessions) require(next http.Handler, ended, forged http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cookie, err := r.Cookie(sessionCookie)
		if err != nil {
			ended(w, r)
			return
		}
		sess, ok := s.open(cookie.Value)
		if !ok {
			s.setCookie(w, r, nil)
			ended(w, r)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxForm)
			given := r.Header.Get(csrfHeader)
			if given == "" {
				given = r.PostFormValue(csrfField)
			}
			if !s.validCSRF(sess, given) {
				forged(w, r)
				return
			}
		}
		if time.Unix(sess.Expires, 0).Sub(s.now()) < sessionIdle/2 {
			if renewed := s.renewed(sess); renewed.Expires > sess.Expires {
				sess = renewed
				s.setCookie(w, r, &sess)
			}
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), sessionKey{}, sess)))
	})
}

// sameString compares in constant time.
func sameString(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// signInView is what the sign-in page shows.
type signInView struct {
	CSRF    string
	Next    string
	Error   string
	Notice  string
	Invalid bool
}

// signInPage shows the sign-in form, or goes on when already signed in.
func (c *console) signInPage(w http.ResponseWriter, r *http.Request) {
	if cookie, err := r.Cookie(sessionCookie); err == nil {
		if _, ok := c.sessions.open(cookie.Value); ok {
			http.Redirect(w, r, nextPage(r.URL.Query().Get("next")), http.StatusSeeOther)
			return
		}
	}
	view := signInView{Next: nextPage(r.URL.Query().Get("next"))}
	switch {
	case r.URL.Query().Has("signed_out"):
		view.Notice = "You are signed out."
	case r.URL.Query().Has("ended"):
		view.Notice = "Your session has ended. Sign in again."
	}
	c.renderSignIn(w, r, http.StatusOK, view)
}

// renderSignIn shows the sign-in form with a fresh CSRF token, kept in a
// cookie of its own until the form comes back.
func (c *console) renderSignIn(w http.ResponseWriter, r *http.Request, status int, view signInView) {
	view.CSRF = randomString(24)
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: view.CSRF, Path: Prefix, MaxAge: int(time.Hour / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: c.sessions.isSecure(r)})
	c.render(w, r, status, "sign-in", view)
}

// signIn checks the token entered and starts a session.
func (c *console) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	next := nextPage(r.PostFormValue("next"))
	cookie, err := r.Cookie(signInCookie)
	if err != nil || !sameString(r.PostFormValue(csrfField), cookie.Value) {
		c.renderSignIn(w, r, http.StatusForbidden, signInView{Next: next,
			Error: "This sign-in form has expired or did not come from the console. Enter the token again."})
		return
	}
	if wait := c.Backoff.Wait(r); wait > 0 {
		// Too many failed sign-ins from here: the token is not looked at.
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		c.Log.WarnContext(r.Context(), "console sign-in refused: too many failures from this address", slog.String("remote", r.RemoteAddr))
		c.renderSignIn(w, r, http.StatusTooManyRequests, signInView{Next: next, Invalid: true,
			Error: fmt.Sprintf("Too many sign-ins with a wrong token came from this address. Try again in %d seconds.", secs)})
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	if !c.sessions.tokens.Accepts(token) {
		msg := "This is not an API token ccflow accepts. Use the value of CCFLOW_API_TOKEN."
		if token == "" {
			msg = "Enter the API token (the value of CCFLOW_API_TOKEN)."
		} else {
			c.Backoff.Failed(r)
		}
		c.Log.WarnContext(r.Context(), "console sign-in refused", slog.String("remote", r.RemoteAddr))
		c.renderSignIn(w, r, http.StatusUnauthorized, signInView{Next: next, Error: msg, Invalid: true})
		return
	}
	sess := c.sessions.start(token)
	c.sessions.setCookie(w, r, &sess)
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Path: Prefix, MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.sessions.isSecure(r)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signOut ends the session in this browser.
func (c *console) signOut(w http.ResponseWriter, r *http.Request) error {
	c.sessions.setCookie(w, r, nil)
	redirect(w, r, "/console/sign-in?signed_out=1")
	return nil
}

// nextPage is where to go after signing in: a console page named by the
// request, never another site.
func nextPage(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "/console/sign-in") || strings.ContainsAny(next, "\\\r\n") {
		return "/console/entries"
	}
	return next
}
