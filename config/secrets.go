package config

import (
	"fmt"
	"slices"
	"strings"
)

// The variables that hold secrets set by hand.
const (
	APITokenVar   = "CCFLOW_API_TOKEN"
	CodecTokenVar = "CCFLOW_CODEC_TOKEN"
	// LinkSecretVar is the link-signing secret: survey links, unsubscribe
	// links and the keyed hashes of opted-out addresses derive their keys
	// from it (package linkkeys).
	LinkSecretVar = "CCFLOW_SURVEY_SECRET"
)

// Placeholders are values of a secret that ccflow's own files show as
// examples or defaults: whoever deploys with one has a secret everybody
// knows (an unsubscribe link was forged with the published one). A test
// reads every example in the repository (compose, deploy/, docs, README,
// the Makefile, make dev's defaults) and fails while one is missing here.
var Placeholders = []string{
	"change-me",
	"changeme",
	"change-me-to-32-or-more-random-characters",
	"dev-token",
	"secret",
	"token",
	"password",
}

// placeholderParts mark a value as a placeholder wherever they appear in
// it, whatever its length: "change-me-please-0123456789abcdef".
var placeholderParts = []string{"change-me", "changeme", "change_me", "replace-me", "replaceme"}

// Deployment tells a deployment from a development setup: CCFLOW_PUBLIC_URL
// is https. A deployment refuses weak secrets; a development setup (make
// dev, tests, plain http on a laptop) starts with a warning.
func (c Config) Deployment() bool { return strings.HasPrefix(strings.ToLower(c.PublicURL), "https://") }

// Weakness says what is wrong with a secret set by hand, or "" when
// nothing is: shorter than MinSecretLength, or a placeholder.
func Weakness(value string) string {
	lower := strings.ToLower(strings.TrimSpace(value))
	switch {
	case slices.Contains(Placeholders, lower) || slices.ContainsFunc(placeholderParts, func(p string) bool { return strings.Contains(lower, p) }):
		return "it is a placeholder from ccflow's own examples, which everybody can read"
	case len(value) < MinSecretLength:
		return fmt.Sprintf("it is %d characters long; at least %d are needed", len(value), MinSecretLength)
	}
	return ""
}

// checkSecrets refuses the weak secrets of a deployment, naming the
// variable, and keeps those of a development setup as warnings.
func (c *Config) checkSecrets(part Part, add func(error)) {
	type secret struct{ name, value string }
	var list []secret
	if part == Starter {
		for _, v := range []struct{ name, value string }{{APITokenVar, c.APIToken}, {CodecTokenVar, c.CodecToken}} {
			for token := range strings.SplitSeq(v.value, ",") {
				if token = strings.TrimSpace(token); token != "" {
					list = append(list, secret{v.name, token})
				}
			}
		}
	}
	for _, s := range c.LinkSecrets {
		list = append(list, secret{LinkSecretVar, string(s)})
	}
	for _, s := range list {
		why := Weakness(s.value)
		if why == "" {
			continue
		}
		if c.Deployment() {
			add(fmt.Errorf("%s is too weak for a deployment (CCFLOW_PUBLIC_URL is https): %s; set it to %d or more random characters, e.g. the output of openssl rand -hex 32",
				s.name, why, MinSecretLength))
			continue
		}
		c.weak = append(c.weak, fmt.Sprintf("%s is weak: %s. This development setup (CCFLOW_PUBLIC_URL is not https) starts anyway; a deployment refuses it",
			s.name, why))
	}
}
