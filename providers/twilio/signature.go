package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
)

// SignatureHeader is the header Twilio signs its webhook requests with.
const SignatureHeader = "X-Twilio-Signature"

// Signature is what Twilio puts in X-Twilio-Signature when it posts the
// form params to fullURL: the base64 HMAC-SHA1, keyed with the account's
// auth token, of the URL followed by each parameter's name and value,
// sorted by name (Twilio's "webhooks security" documentation). A name
// given several values (MediaUrl0… aside, Twilio's forms repeat few) is
// written once per distinct value, the values sorted too, as Twilio's own
// request validators compute it: the order in which the values came does
// not count, and the same value twice counts once.
func Signature(authToken, fullURL string, params url.Values) string {
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range slices.Sorted(maps.Keys(params)) {
		values := slices.Compact(slices.Sorted(slices.Values(params[k])))
		for _, v := range values {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// ValidSignature reports whether signature is Twilio's for a post of
// params to fullURL. As Twilio's own libraries do, it accepts the
// signature of the URL with the scheme's default port written out, or
// without a port written: Twilio signs one or the other.
func ValidSignature(authToken, fullURL string, params url.Values, signature string) bool {
	if authToken == "" || signature == "" {
		return false
	}
	for _, u := range urlForms(fullURL) {
		if hmac.Equal([]byte(Signature(authToken, u, params)), []byte(signature)) {
			return true
		}
	}
	return false
}

// urlForms is fullURL as given, with its default port written out, and
// without it.
func urlForms(fullURL string) []string {
	forms := []string{fullURL}
	u, err := url.Parse(fullURL)
	if err != nil {
		return forms
	}
	defaultPort := map[string]string{"https": "443", "http": "80"}[u.Scheme]
	host, port := u.Hostname(), u.Port()
	switch {
	case port == "" && defaultPort != "":
		v := *u
		v.Host = net.JoinHostPort(host, defaultPort)
		forms = append(forms, v.String())
	case port != "":
		v := *u
		v.Host = host
		if strings.Contains(host, ":") {
			v.Host = "[" + host + "]"
		}
		forms = append(forms, v.String())
	}
	return forms
}
