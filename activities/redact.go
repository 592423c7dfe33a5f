package activities

import (
	"errors"
	"net/url"
	"strings"

	"github.com/ccflow/ccflow/core/policy"
)

// recipientMark stands for the recipient in an error ccflow passes on.
const recipientMark = "<recipient>"

// redactedError is an error whose message leaves the recipient out.
// errors.Is still finds what it was (providers.ErrRejected, …), but it
// does not unwrap: Temporal's failure converter writes every error of an
// Unwrap chain into the run's history, the original message with it.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is tells whether the original error is target.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }

// withoutRecipient is err with every spelling of the recipient's address
// in its message (as given, normalized, lower-cased, without the "+" of a
// phone number, URL-escaped) replaced by recipientMark: a provider's
// refusal often repeats the address ("550 <ada@example.com>: no such
// user", "The 'To' number +15551234567 is not a valid phone number"), and
// a send's error goes to the run's history and to the worker's log.
func withoutRecipient(err error, to string) error {
	if err == nil || strings.TrimSpace(to) == "" {
		return err
	}
	msg := err.Error()
	var spellings []string
	for _, ch := range []string{policy.ChannelEmail, policy.ChannelSMS} {
		if n, nerr := policy.NormalizeAddress(ch, to); nerr == nil {
			spellings = append(spellings, n, strings.TrimPrefix(n, "+"), url.QueryEscape(n))
		}
	}
	spellings = append(spellings, strings.TrimSpace(to), url.QueryEscape(strings.TrimSpace(to)))
	changed := msg
	for _, s := range spellings {
		if len(s) < 4 { // too short to be an address; replacing it would mangle words
			continue
		}
		changed = replaceFold(changed, s, recipientMark)
	}
	if changed == msg {
		return err
	}
	return &redactedError{msg: changed, err: err}
}

// replaceFold replaces every occurrence of old in s, in any ASCII case.
func replaceFold(s, old, repl string) string {
	lower, lowerOld := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) { // a non-ASCII case mapping changed lengths: exact matches only
		return strings.ReplaceAll(s, old, repl)
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lowerOld)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}
