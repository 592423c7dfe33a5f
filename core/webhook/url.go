package webhook

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/ccflow/ccflow/core/validation"
)

// MaxURL is the longest subscription URL, in characters.
const MaxURL = 2000

// CheckURL checks a subscription URL as written, before any address is
// looked up: at most MaxURL characters, absolute, https (or http for a
// host allow lists), a host, no user name or password (the signature
// authenticates ccflow; a password would show in every listing) and no
// fragment. Errors name the field "url". Whether its host resolves to an
// address the guard lets through is checked after (providers).
func CheckURL(raw string, allow Allow) (*url.URL, error) {
	if n := utf8.RuneCountInString(raw); n > MaxURL {
		return nil, validation.Errorf("url", "is %d characters long; at most %d are allowed", n, MaxURL)
	}
	if err := validation.Line(MaxURL).Check("url", raw); err != nil {
		return nil, err
	}
	if strings.TrimSpace(raw) == "" {
		return nil, validation.Errorf("url", "is required: the https:// URL deliveries are posted to")
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, validation.Errorf("url", "%s is not an absolute URL with a host", validation.Quote(raw))
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allow.AllowsHost(u.Hostname()) {
			return nil, validation.Errorf("url", "must be https:// (plain http is allowed only to hosts in CCFLOW_WEBHOOK_ALLOW)")
		}
	default:
		return nil, validation.Errorf("url", "must be https://, not %s://", validation.Shorten(u.Scheme))
	}
	if u.User != nil {
		return nil, validation.Errorf("url", "may not hold a user name or password: deliveries are signed instead")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, validation.Errorf("url", "may not have a fragment (#…)")
	}
	if u.Hostname() == "" {
		return nil, validation.Errorf("url", "has no host")
	}
	return u, nil
}
