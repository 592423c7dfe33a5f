package templates_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/core/templates"
	"github.com/ccflow/ccflow/core/vars"
)

// hostile are values a customer or an answering server controls.
var hostile = vars.Vars{
	"customer.id":         "7/admin/delete-all?confirm=yes#",
	"customer.first_name": "Ada",
	"survey.score":        4,
	"survey.comment":      `great", "admin": true, "x": "`,
	"survey.answered":     true,
	"amount":              12.5,
	"note":                "line one\r\nX-Admin: 1\n\"quoted\" \\ back\tslash\x00",
	"query":               "Ada & Bob=1+2#top",
	"dots":                "..",
	"callback_url":        "https://hooks.example.com/cb?token=abc",
	"base":                "https://api.example.com/v1",
	"reply.body":          map[string]any{"id": 7.0, "tags": []any{"a", "b"}},
}

func TestRenderURLEscapesEachValueForWhereItLands(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{"a path segment stays one segment", "/customers/$(customer.id)", "/customers/7%2Fadmin%2Fdelete-all%3Fconfirm=yes%23"},
		{"a path segment in a full URL", "https://crm.example.com/customers/$(customer.id)/orders",
			"https://crm.example.com/customers/7%2Fadmin%2Fdelete-all%3Fconfirm=yes%23/orders"},
		{"a query value", "/search?q=$(query)&limit=5", "/search?q=Ada+%26+Bob%3D1%2B2%23top&limit=5"},
		{"path and query together", "https://hooks.example.com/orders/$(customer.id)?agent=$(customer.id)",
			"https://hooks.example.com/orders/7%2Fadmin%2Fdelete-all%3Fconfirm=yes%23?agent=7%2Fadmin%2Fdelete-all%3Fconfirm%3Dyes%23"},
		{"a fragment", "/docs#$(query)", "/docs#Ada%20&%20Bob=1+2%23top"},
		{"plain values are as they were", "https://hooks.example.com/orders/$(survey.score)?amount=$(amount)&who=$(customer.first_name)",
			"https://hooks.example.com/orders/4?amount=12.5&who=Ada"},
		{"dots are one segment too, and the connection refuses them", "/customers/$(dots)", "/customers/.."},
		{"a whole URL from a variable is the URL", "$(callback_url)", "https://hooks.example.com/cb?token=abc"},
		{"a base URL from a variable, then a path", "$(base)/orders/$(customer.id)",
			"https://api.example.com/v1/orders/7%2Fadmin%2Fdelete-all%3Fconfirm=yes%23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := templates.RenderURL(tt.text, hostile)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRenderJSONKeepsValuesInsideTheirStrings(t *testing.T) {
	tests := []struct {
		name string
		text string
		want string
	}{
		{"a comment cannot add keys", `{"comment": "$(survey.comment)", "score": $(survey.score)}`,
			`{"comment": "great\", \"admin\": true, \"x\": \"", "score": 4}`},
		{"control characters, quotes and backslashes are escaped", `{"note": "Note: $(note)"}`,
			`{"note": "Note: line one\r\nX-Admin: 1\n\"quoted\" \\ back\tslash\u0000"}`},
		{"values outside strings are JSON", `{"name": $(customer.first_name), "amount": $(amount), "ok": $(survey.answered), "body": $(reply.body)}`,
			`{"name": "Ada", "amount": 12.5, "ok": true, "body": {"id":7,"tags":["a","b"]}}`},
		{"a key from a variable", `{"$(customer.first_name)": 1}`, `{"Ada": 1}`},
		{"a list", `[$(survey.score), "$(customer.id)"]`, `[4, "7/admin/delete-all?confirm=yes#"]`},
		{"a body that is not JSON is text", "score=$(survey.score)&comment=$(survey.comment)", `score=4&comment=great", "admin": true, "x": "`},
		{"a body of one variable is that value", "$(survey.comment)", `great", "admin": true, "x": "`},
		{"escaped quotes in the literal text", `{"say": "\"$(customer.first_name)\" said $(survey.comment)"}`,
			`{"say": "\"Ada\" said great\", \"admin\": true, \"x\": \""}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := templates.RenderJSON(tt.text, hostile)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestRenderJSONOfAJSONTemplateIsJSONWithTheSameKeys(t *testing.T) {
	got, err := templates.RenderJSON(`{"comment": "$(survey.comment)", "note": "$(note)", "id": "$(customer.id)"}`, hostile)
	require.NoError(t, err)

	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(got), &body))
	require.Equal(t, map[string]any{"comment": hostile["survey.comment"], "note": hostile["note"], "id": hostile["customer.id"]}, body)
}

func TestRenderHeaderKeepsAValueOnItsLine(t *testing.T) {
	got, err := templates.RenderHeader("Note $(note)", hostile)

	require.NoError(t, err)
	require.Equal(t, "Note line one  X-Admin: 1 \"quoted\" \\ back\tslash ", got)
}

func TestContextRenderersReportUndefinedVariablesAsRenderDoes(t *testing.T) {
	for name, render := range map[string]func(string, vars.Vars) (string, error){
		"url": templates.RenderURL, "json": templates.RenderJSON, "header": templates.RenderHeader,
	} {
		_, err := render(`{"a": "$(customer.last_name)"}`, hostile)
		require.EqualError(t, err, "$(customer.last_name) is not defined", name)
	}
}

// A value, whatever it holds, stays where the template puts it: one path
// segment, one query value, one fragment; inside its JSON string; on its
// header's line.
func FuzzRenderByContext(f *testing.F) {
	for _, s := range []string{"7/admin/delete-all?confirm=yes#", `great", "admin": true, "x": "`, "a\r\nX-Admin: 1", "..", "%2F", "\x00", "\xff", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		v := vars.Vars{"v": value}

		rendered, err := templates.RenderURL("/items/$(v)/notes?q=$(v)&n=1#$(v)", v)
		require.NoError(t, err)
		u, err := url.Parse(rendered)
		require.NoError(t, err, "%q", rendered)
		require.Equal(t, 3, strings.Count(u.EscapedPath(), "/"), "%q stays one segment: %q", value, rendered)
		if utf8.ValidString(value) {
			require.Equal(t, value, u.Query().Get("q"))
			require.Equal(t, "1", u.Query().Get("n"))
			require.Equal(t, value, u.Fragment)
		}

		body, err := templates.RenderJSON(`{"a": "x $(v) y", "b": $(v), "c": [$(v)]}`, v)
		require.NoError(t, err)
		var doc map[string]any
		require.NoError(t, json.Unmarshal([]byte(body), &doc), "%q", body)
		require.Len(t, doc, 3, "no key added: %q", body)
		if utf8.ValidString(value) {
			require.Equal(t, "x "+value+" y", doc["a"])
			require.Equal(t, value, doc["b"])
		}

		header, err := templates.RenderHeader("note: $(v)", v)
		require.NoError(t, err)
		require.NotContains(t, header, "\r")
		require.NotContains(t, header, "\n")
		require.NotContains(t, header, "\x00")
	})
}
