package validation

import (
	"fmt"
	"net/url"
	"strings"
)

// AbsoluteURL parses raw and checks that it has a host and one of schemes
// (http and https when none are given). Its error never repeats raw, which
// may hold a password; callers name the setting or field it came from.
func AbsoluteURL(raw string, schemes ...string) (*url.URL, error) {
	if len(schemes) == 0 {
		schemes = []string{"http", "https"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("is not a URL")
	}
	for _, s := range schemes {
		if u.Scheme == s && u.Host != "" {
			return u, nil
		}
	}
	return nil, fmt.Errorf("must be an absolute %s:// URL with a host", strings.Join(schemes, ":// or "))
}
