package twilio_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/providers/twilio"
)

// Twilio's documented example: auth token 12345, a post of these params to
// this URL, and the signature Twilio's own request validators expect.
const exampleURL = "https://mycompany.com/myapp.php?foo=1&bar=2"

var exampleParams = url.Values{
	"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
	"Caller": {"+14158675309"}, "From": {"+14158675309"},
}

func TestSignatureMatchesTwiliosDocumentedExample(t *testing.T) {
	require.Equal(t, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", twilio.Signature("12345", exampleURL, exampleParams))
}

func TestValidSignature(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		signature string
		want      bool
	}{
		{"the documented signature", exampleURL, "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"signed with the default port written out", exampleURL, "kvajT1Ptam85bY51eRf/AJRuM3w=", true},
		{"a URL with a port, signed without it", strings.Replace(exampleURL, ".com", ".com:1234", 1), "RSOYDt4T1cUTdK1PDd93/VVr8B8=", true},
		{"http, signed without a port", strings.Replace(exampleURL, "https", "http", 1), "0ZXoZLH/DfblKGATFgpif+LLRf4=", true},
		{"http with port 1234, signed with it", strings.Replace(strings.Replace(exampleURL, ".com", ".com:1234", 1), "https", "http", 1), "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=", true},
		{"a wrong signature", exampleURL, "WRONG SIGNATURE", false},
		{"no signature", exampleURL, "", false},
		{"another URL", "https://mycompany.com/other.php?foo=1&bar=2", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, twilio.ValidSignature("12345", tt.url, exampleParams, tt.signature))
		})
	}
	changed := url.Values{}
	for k, v := range exampleParams {
		changed[k] = v
	}
	changed.Set("Digits", "9999")
	require.False(t, twilio.ValidSignature("12345", exampleURL, changed, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), "a changed parameter")
	require.False(t, twilio.ValidSignature("", exampleURL, exampleParams, "RSOYDt4T1cUTdK1PDd93/VVr8B8="), "no auth token configured")
}

// Twilio's request validators' own example of a name with several values:
// the values are sorted, and a value given twice counts once. (The order
// the form gives them in, 5678 before 1234, does not count.)
func TestSignatureSortsTheValuesOfOneName(t *testing.T) {
	params := url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1234", "1234"}}
	require.Equal(t, "IK+Dwps556ElfBT0I3Rgjkr1wJU=", twilio.Signature("12345", exampleURL, params))

	reordered := url.Values{"Digits": {"1234", "5678"}, "SidAccount": {"AC123"}, "Sid": {"CA123"}}
	require.True(t, twilio.ValidSignature("12345", exampleURL, reordered, "IK+Dwps556ElfBT0I3Rgjkr1wJU="))
	changed := url.Values{"Sid": {"CA123"}, "SidAccount": {"AC123"}, "Digits": {"5678", "1235"}}
	require.False(t, twilio.ValidSignature("12345", exampleURL, changed, "IK+Dwps556ElfBT0I3Rgjkr1wJU="))
}
