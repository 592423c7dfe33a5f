package config_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ccflow/ccflow/config"
)

// strong is a token a deployment accepts.
const strong = "8d0c1f2a9b7e4d6c5a3f1e0b9c8d7a6f"

func TestADeploymentRefusesWeakSecretsNamingTheVariable(t *testing.T) {
	tests := []struct {
		name string
		part config.Part
		vars map[string]string
		want string
	}{
		{"the placeholder API token of deploy/k8s", config.Starter, map[string]string{"CCFLOW_API_TOKEN": "change-me"}, "CCFLOW_API_TOKEN is too weak"},
		{"make dev's API token", config.Starter, map[string]string{"CCFLOW_API_TOKEN": "dev-token"}, "CCFLOW_API_TOKEN is too weak"},
		{"a short API token", config.Starter, map[string]string{"CCFLOW_API_TOKEN": "s3cr3t-but-short"}, "16 characters long"},
		{"a weak token among strong ones", config.Starter, map[string]string{"CCFLOW_API_TOKEN": strong + ", Change-Me"}, "CCFLOW_API_TOKEN is too weak"},
		{"the placeholder link secret of deploy/k8s, long as it is", config.Worker,
			map[string]string{"CCFLOW_SURVEY_SECRET": "change-me-to-32-or-more-random-characters"}, "CCFLOW_SURVEY_SECRET is too weak"},
		{"a placeholder inside a long secret", config.Worker,
			map[string]string{"CCFLOW_SURVEY_SECRET": "please-changeme-0123456789abcdef0123"}, "placeholder"},
		{"a short codec token", config.Starter, map[string]string{"CCFLOW_API_TOKEN": strong, "CCFLOW_CODEC_TOKEN": "ui"}, "CCFLOW_CODEC_TOKEN is too weak"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.vars["CCFLOW_PUBLIC_URL"] = "https://ccflow.example.com"
			setEnv(t, tt.vars)
			_, err := config.Load(tt.part)
			require.ErrorContains(t, err, tt.want)
			require.ErrorContains(t, err, "CCFLOW_PUBLIC_URL is https")
			require.NotContains(t, err.Error(), strings.TrimSpace(strings.Split(tt.vars[strings.Fields(tt.want)[0]], ",")[0]+"\x00"),
				"the error names the variable, never the secret")
		})
	}
}

func TestADevelopmentSetupWarnsAboutWeakSecrets(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_API_TOKEN": "dev-token", "CCFLOW_SURVEY_SECRET": "short", "CCFLOW_PAYLOAD_KEYS": "none"})

	c, err := config.Load(config.Starter)

	require.NoError(t, err, "plain http is a development setup: it starts")
	require.False(t, c.Deployment())
	warnings := strings.Join(c.Warnings(), "\n")
	require.Contains(t, warnings, "CCFLOW_API_TOKEN is weak: it is a placeholder")
	require.Contains(t, warnings, "CCFLOW_SURVEY_SECRET is weak: it is 5 characters long")
	require.NotContains(t, warnings, "dev-token", "a warning never shows the secret")
}

func TestStrongSecretsStartADeploymentWithoutWarnings(t *testing.T) {
	setEnv(t, map[string]string{"CCFLOW_API_TOKEN": strong, "CCFLOW_CODEC_TOKEN": strings.ToUpper(strong),
		"CCFLOW_SURVEY_SECRET": strong + "-new," + strong + "-old", "CCFLOW_PUBLIC_URL": "https://ccflow.example.com",
		"CCFLOW_PAYLOAD_KEYS": "k1:" + testKey})

	c, err := config.Load(config.Starter)

	require.NoError(t, err)
	require.True(t, c.Deployment())
	require.Empty(t, c.Warnings())
	require.Equal(t, [][]byte{[]byte(strong + "-new"), []byte(strong + "-old")}, c.LinkSecrets, "the first signs, the others are still honoured")
	require.Equal(t, strings.ToUpper(strong), c.CodecToken)
}

func TestWeakness(t *testing.T) {
	require.Empty(t, config.Weakness(strong))
	for _, weak := range append([]string{"", "short", "CHANGE-ME", " change-me "}, config.Placeholders...) {
		require.NotEmpty(t, config.Weakness(weak), "%q", weak)
	}
}

// exampleSecret finds the values ccflow's own files give the secret
// variables: assignments (NAME=value, NAME: value), shell defaults
// (${NAME:-value}) and bearer tokens in curl examples.
var exampleSecret = []*regexp.Regexp{
	regexp.MustCompile(`(?:CCFLOW_API_TOKEN|CCFLOW_CODEC_TOKEN|CCFLOW_SURVEY_SECRET)["']?\s*[:=]\s*["']?([^"'\s$<{?-][^"'\s,}]*)`),
	regexp.MustCompile(`(?:CCFLOW_API_TOKEN|CCFLOW_CODEC_TOKEN|CCFLOW_SURVEY_SECRET)[:}]?-([^"'\s$<}]+)`),
	regexp.MustCompile(`"(?:CCFLOW_API_TOKEN|CCFLOW_CODEC_TOKEN|CCFLOW_SURVEY_SECRET)",\s*"([^"$]+)"`),
	regexp.MustCompile(`Bearer ([A-Za-z0-9._~+/-]+)`),
}

// Every secret value the repository shows as an example is a placeholder
// config refuses in a deployment.
func TestEveryExampleSecretInTheRepositoryIsAPlaceholder(t *testing.T) {
	var files []string
	for _, pattern := range []string{"../docker-compose.yml", "../Makefile", "../README.md", "../docs/*.md", "../deploy/*/*.yaml",
		"../deploy/*.sh", "../examples/*/*", "../internal/devenv/dev.go"} {
		matches, err := filepath.Glob(pattern)
		require.NoError(t, err)
		files = append(files, matches...)
	}
	require.Greater(t, len(files), 8, "the examples were found")
	found := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, re := range exampleSecret {
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				found[m[1]] = f
			}
		}
	}
	require.Contains(t, found, "change-me", "the reader finds the examples")
	require.Contains(t, found, "dev-token")
	for value, file := range found {
		if strings.HasPrefix(value, "$") || value == "<token>" {
			continue
		}
		if config.Weakness(value) == "" {
			t.Errorf("%s shows %q as a secret, and a deployment would accept it: add it to config.Placeholders", file, value)
		}
	}
	require.False(t, slices.Contains(config.Placeholders, ""), "no empty placeholder")
}
