package archtest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/internal/archtest"
)

const module = "github.com/ccflow/ccflow"

// rules are the import rules of ccflow's architecture.
var rules = []archtest.Rule{
	{
		Why:  "workflow code and the pure model link no database, mail or migration library",
		From: []string{module + "/workflows/...", module + "/triggers/...", module + "/core/..."},
		Forbidden: []string{
			"github.com/lib/pq/...", "github.com/jmoiron/sqlx/...", "database/sql",
			"github.com/wneessen/go-mail/...", "net/smtp", "github.com/pressly/goose/v3/...",
		},
	},
	{
		Why:       "the pure model and the matcher know neither Temporal nor HTTP",
		From:      []string{module + "/core/...", module + "/triggers/..."},
		Forbidden: []string{"go.temporal.io/...", "net/http/..."},
	},
	{
		Why:       "config reads the environment and knows no activity or workflow",
		From:      []string{module + "/config/..."},
		Forbidden: []string{module + "/activities/...", module + "/workflows/..."},
	},
	{
		Why:  "the pure model and the matcher depend on nothing outside themselves",
		From: []string{module + "/core/...", module + "/triggers/..."},
		Forbidden: []string{
			module + "/activities/...", module + "/providers/...", module + "/store/...", module + "/usecase/...",
			module + "/web/...", module + "/workflows/...", module + "/config/...",
		},
	},
	{
		Why:       "the use cases know no HTTP handler; the API and the console call them",
		From:      []string{module + "/usecase/..."},
		Forbidden: []string{module + "/web/..."},
	},
	{
		Why:  "handlers decode, call a use case and encode: they talk to no database, and store rows never reach the wire",
		From: []string{module + "/web/..."},
		Forbidden: []string{
			module + "/store/...", "github.com/lib/pq/...", "github.com/jmoiron/sqlx/...", "database/sql",
		},
		Direct: true,
	},
	{
		Why:       "the console calls the use cases and talks to Temporal only through them",
		From:      []string{module + "/web/console/..."},
		Forbidden: []string{"go.temporal.io/..."},
		Direct:    true,
	},
	{
		Why:       "providers send and call; Temporal is the activities' business",
		From:      []string{module + "/providers/..."},
		Forbidden: []string{"go.temporal.io/...", module + "/workflows/...", module + "/activities/..."},
	},
	{
		Why:  "the payload codec is crypto over Temporal payloads: it knows nothing of ccflow's parts",
		From: []string{module + "/codec/..."},
		Forbidden: []string{
			module + "/activities/...", module + "/providers/...", module + "/store/...", module + "/usecase/...",
			module + "/web/...", module + "/workflows/...", module + "/config/...", module + "/core/...",
		},
	},
	{
		Why:       "the payload codec reads no environment and serves no HTTP itself (config and web/api do)",
		From:      []string{module + "/codec/..."},
		Forbidden: []string{"os", "net/http"},
		Direct:    true,
	},
	{
		Why: "the customer's words and the brand's looks are pure: the catalog is embedded and the email's HTML is " +
			"rendered from what it is given, so the interpreter calls them as freely as the pages do",
		From:      []string{module + "/core/i18n/...", module + "/core/brand/...", module + "/core/rating/...", module + "/core/mailview/..."},
		Forbidden: []string{"os", "os/...", "net", "io/ioutil", "syscall"},
		Direct:    true,
	},
	{
		Why: "reading a customer's SMS reply (its keywords, its score and comment) is pure: the starter reads it, " +
			"and a table of replies tests it without a server",
		From:      []string{module + "/core/reply/...", module + "/core/keywords/..."},
		Forbidden: []string{"os", "os/...", "net", "io/ioutil", "syscall"},
		Direct:    true,
	},
	{
		Why: "internal/ is the proof and the tools (test servers, devenv, histories, bench, soak): nothing ccflow runs links it",
		From: []string{
			module + "/activities/...", module + "/buildinfo/...", module + "/client/...", module + "/codec/...",
			module + "/config/...", module + "/core/...", module + "/providers/...", module + "/starter/...",
			module + "/store/...", module + "/telemetry/...", module + "/triggers/...", module + "/usecase/...",
			module + "/startup/...", module + "/web/...", module + "/worker/...", module + "/workflows/...",
			module + "/cmd/ccflowctl/...", module + "/simulate/...",
		},
		Forbidden: []string{module + "/internal/..."},
	},
	{
		Why: "a simulation reaches no customer, provider or store record: its engine links no provider, activity, store or " +
			"mail and database library, and reads the store only through the History its caller gives it",
		From: []string{module + "/simulate/..."},
		Forbidden: []string{
			module + "/providers/...", module + "/activities/...", module + "/store/...", module + "/usecase/...", module + "/web/...",
			"net/smtp", "github.com/wneessen/go-mail/...", "github.com/lib/pq/...", "github.com/jmoiron/sqlx/...", "database/sql",
		},
	},
	{
		Why:       "the workflow calls activities by name, through the contract it owns",
		From:      []string{module + "/workflows/..."},
		Forbidden: []string{module + "/activities/...", module + "/store/...", module + "/providers/..."},
		Direct:    true,
	},
}

func TestTheImportGraphKeepsTheArchitecture(t *testing.T) {
	g, err := archtest.Load(".", module+"/...")
	require.NoError(t, err)

	var broken []string
	for _, rule := range rules {
		for _, from := range rule.From {
			require.NotEmpty(t, g.Matching(from), "rule %q: no package matches %s", rule.Why, from)
		}
		for _, v := range g.Check(rule) {
			broken = append(broken, v.String())
		}
	}
	require.Empty(t, broken, "imports that break the architecture:\n%s", strings.Join(broken, "\n"))
}

func TestCheckNamesTheChainThatBreaksARule(t *testing.T) {
	g := archtest.Graph{
		"app/workflows":       {"app/core/entry", "fmt"},
		"app/core/entry":      {"app/store", "strings"},
		"app/store":           {"github.com/lib/pq", "database/sql"},
		"github.com/lib/pq":   {"database/sql/driver"},
		"database/sql":        {"database/sql/driver"},
		"app/core/vars":       {"strings"},
		"app/core/entrytest":  {"net/http"},
		"app/triggers":        {"app/core/entry", "net/http/httptrace"},
		"database/sql/driver": nil,
		"net/http":            nil,
		"net/http/httptrace":  nil,
		"fmt":                 nil,
		"strings":             nil,
	}
	tests := []struct {
		name string
		rule archtest.Rule
		want []string
	}{
		{
			name: "linked through other packages",
			rule: archtest.Rule{Why: "pure", From: []string{"app/workflows", "app/core/..."}, Forbidden: []string{"github.com/lib/pq/...", "database/sql"}},
			want: []string{
				"app/core/entry links github.com/lib/pq (pure): app/core/entry -> app/store -> github.com/lib/pq",
				"app/core/entry links database/sql (pure): app/core/entry -> app/store -> database/sql",
				"app/workflows links github.com/lib/pq (pure): app/workflows -> app/core/entry -> app/store -> github.com/lib/pq",
				"app/workflows links database/sql (pure): app/workflows -> app/core/entry -> app/store -> database/sql",
			},
		},
		{
			name: "a pattern with /... covers the packages below",
			rule: archtest.Rule{Why: "no HTTP", From: []string{"app/triggers"}, Forbidden: []string{"net/http/..."}},
			want: []string{"app/triggers links net/http/httptrace (no HTTP): app/triggers -> net/http/httptrace"},
		},
		{
			name: "a direct rule ignores what imports import",
			rule: archtest.Rule{Why: "by name", From: []string{"app/workflows"}, Forbidden: []string{"app/store"}, Direct: true},
			want: nil,
		},
		{
			name: "a direct rule names a direct import",
			rule: archtest.Rule{Why: "by name", From: []string{"app/workflows"}, Forbidden: []string{"app/core/..."}, Direct: true},
			want: []string{"app/workflows imports app/core/entry (by name): app/workflows -> app/core/entry"},
		},
		{
			name: "test helpers are not checked",
			rule: archtest.Rule{Why: "no HTTP", From: []string{"app/core/..."}, Forbidden: []string{"net/http"}},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range g.Check(tt.rule) {
				got = append(got, v.String())
			}
			require.Equal(t, tt.want, got)
		})
	}
}
