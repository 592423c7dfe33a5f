package deploy

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/telemetry"
)

// dashboardMetrics returns the metric names the Grafana dashboard's queries
// use, without a histogram's _bucket, _count or _sum.
func dashboardMetrics(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var dash struct {
		Panels []struct {
			Type       string `json:"type"`
			Title      string `json:"title"`
			Datasource *struct {
				UID string `json:"uid"`
			} `json:"datasource"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	require.NoError(t, json.Unmarshal(data, &dash), "%s must be JSON", path)
	names := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		require.NotNil(t, p.Datasource, "panel %q", p.Title)
		require.Equal(t, "${datasource}", p.Datasource.UID, "panel %q queries the chosen data source", p.Title)
		require.NotEmpty(t, p.Targets, "panel %q", p.Title)
		for _, target := range p.Targets {
			for _, name := range regexp.MustCompile(`\b(?:ccflow|temporal)_[a-z_]+`).FindAllString(target.Expr, -1) {
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					name = strings.TrimSuffix(name, suffix)
				}
				names[name] = true
			}
		}
	}
	return names
}

// Every ccflow metric the dashboard shows is one ccflow defines; the e2e
// metrics test checks the Temporal SDK's against a real scrape.
func TestGrafanaDashboardShowsCcflowsMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := telemetry.NewMetrics(reg)
	// A family with labels is gathered once it has a series.
	m.HTTPRequest("GET", "GET /livez", 200, time.Millisecond)
	m.Matched("post-call-survey", "started")
	families, err := reg.Gather()
	require.NoError(t, err)
	defined := map[string]bool{}
	for _, f := range families {
		defined[f.GetName()] = true
	}
	used := dashboardMetrics(t, "grafana/ccflow.json")
	for name := range used {
		if strings.HasPrefix(name, "ccflow_") {
			require.True(t, defined[name], "the dashboard uses %s, which ccflow does not define", name)
		}
	}
	for name := range defined {
		require.True(t, used[name], "the dashboard does not show %s", name)
	}
}
