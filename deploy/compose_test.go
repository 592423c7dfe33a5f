package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/ccflow/ccflow/workflows"
)

// No Docker engine runs where the tests run, so the compose file is checked
// as data: the services, images, ports and settings a person relies on.

type composeFile struct {
	Services map[string]service `json:"services"`
	Volumes  map[string]any     `json:"volumes"`
}

type service struct {
	Image       string            `json:"image"`
	Build       any               `json:"build"`
	Command     []string          `json:"command"`
	Entrypoint  []string          `json:"entrypoint"`
	Environment map[string]string `json:"environment"`
	Ports       []string          `json:"ports"`
	Volumes     []string          `json:"volumes"`
	DependsOn   map[string]struct {
		Condition string `json:"condition"`
	} `json:"depends_on"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile("../docker-compose.yml")
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(data, &c), "docker-compose.yml must parse")
	return c
}

func TestComposeHasEveryPartOfTheSystem(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"postgres", "temporal-schema", "temporal", "temporal-setup", "temporal-ui", "mailpit", "worker", "starter"} {
		require.Contains(t, c.Services, name)
	}
}

func TestComposeImagesArePinnedAndCurrent(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		if s.Image == "" {
			require.NotNil(t, s.Build, "service %s has neither image nor build", name)
			continue
		}
		require.NotContains(t, s.Image, "auto-setup", "service %s: the auto-setup image is deprecated", name)
		require.Regexp(t, `:[0-9v][^:]*$`, s.Image, "service %s: image %q must carry a version tag", name, s.Image)
	}
	server := strings.Split(c.Services["temporal"].Image, ":")[1]
	for _, name := range []string{"temporal-schema", "temporal-setup"} {
		require.Equal(t, "temporalio/admin-tools:"+server, c.Services[name].Image, "admin tools must match the server version")
	}
}

func TestComposePublishesTheDocumentedPorts(t *testing.T) {
	c := loadCompose(t)
	cases := map[string]string{
		"starter":     "${CCFLOW_BIND_ADDR:-127.0.0.1}:8080:8080",
		"temporal-ui": "127.0.0.1:8233:8080",
		"temporal":    "127.0.0.1:7233:7233",
		"mailpit":     "127.0.0.1:8025:8025",
	}
	for name, port := range cases {
		require.Contains(t, c.Services[name].Ports, port, "service %s", name)
	}
}

// Nothing listens beyond this machine unless asked: the Temporal server and
// its UI have no authentication, Mailpit shows every email, and the API is
// only as safe as its token.
func TestComposePublishesPortsOnLoopbackOnly(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		for _, port := range s.Ports {
			host, _, _ := strings.Cut(port, ":")
			switch {
			case name == "starter" && strings.HasPrefix(port, "${CCFLOW_BIND_ADDR:-127.0.0.1}:"):
				// The API alone may be exposed on purpose, behind TLS (docs/deployment.md).
			default:
				require.Equal(t, "127.0.0.1", host, "service %s publishes %q beyond loopback", name, port)
			}
		}
	}
}

// The API has no default token: compose refuses to start without one.
func TestComposeRequiresAnAPIToken(t *testing.T) {
	c := loadCompose(t)
	token := c.Services["starter"].Environment["CCFLOW_API_TOKEN"]
	require.Regexp(t, `^\$\{CCFLOW_API_TOKEN:\?.+\}$`, token, "compose must fail without CCFLOW_API_TOKEN, not fall back to a default")
}

// Histories are sealed by default: compose refuses to start without
// CCFLOW_PAYLOAD_KEYS, rather than keeping customers' data in clear and
// silencing the start-up warning that says so.
func TestComposeRequiresPayloadKeys(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"worker", "starter"} {
		keys := c.Services[name].Environment["CCFLOW_PAYLOAD_KEYS"]
		require.Regexp(t, `^\$\{CCFLOW_PAYLOAD_KEYS:\?.+\}$`, keys, "%s: compose must fail without payload keys, not fall back to none", name)
	}
	data, err := os.ReadFile("../docker-compose.yml")
	require.NoError(t, err)
	require.NotContains(t, string(data), "CCFLOW_PAYLOAD_KEYS:-none")
}

func TestComposeWiresCcflowToItsServers(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"worker", "starter"} {
		env := c.Services[name].Environment
		require.Contains(t, env["DATABASE_URL"], "@postgres:5432/ccflow", name)
		require.Equal(t, "temporal:7233", env["TEMPORAL_ADDRESS"], name)
		require.Equal(t, "smtp://mailpit:1025", env["SMTP_URL"], name)
		require.Equal(t, "service_completed_successfully", c.Services[name].DependsOn["temporal-setup"].Condition,
			"%s must wait until the search attributes exist", name)
	}
	require.NotEmpty(t, c.Services["starter"].Environment["CCFLOW_API_TOKEN"])
	require.Equal(t, "service_completed_successfully", c.Services["temporal"].DependsOn["temporal-schema"].Condition)
}

func TestComposeDependenciesAndMountsExist(t *testing.T) {
	c := loadCompose(t)
	for name, s := range c.Services {
		for dep := range s.DependsOn {
			require.Contains(t, c.Services, dep, "service %s depends on an unknown service", name)
		}
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if strings.HasPrefix(src, "./") {
				_, err := os.Stat(filepath.Join("..", src))
				require.NoError(t, err, "service %s mounts %s", name, src)
			} else {
				require.Contains(t, c.Volumes, src, "service %s uses an undeclared volume", name)
			}
		}
	}
	dockerfile, err := os.ReadFile("../Dockerfile")
	require.NoError(t, err)
	require.Contains(t, string(dockerfile), "./worker ./starter")
}

func TestSetupScriptRegistersEverySearchAttribute(t *testing.T) {
	script, err := os.ReadFile("temporal-setup.sh")
	require.NoError(t, err)
	registered := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^register (\w+) (\w+)$`).FindAllStringSubmatch(string(script), -1) {
		registered[m[1]] = m[2]
	}
	want := map[string]string{}
	for _, k := range workflows.SearchAttributeKeys {
		want[k.GetName()] = k.GetValueType().String()
	}
	require.Equal(t, want, registered)
}

// The compose file and `make production` (e2e's TestProductionShape) set
// Temporal up with the same scripts; the compose file must use them.
func TestComposeSetsTemporalUpWithTheSharedScripts(t *testing.T) {
	c := loadCompose(t)
	for name, script := range map[string]string{
		"temporal-schema": "/deploy/temporal-schema.sh",
		"temporal":        "/deploy/temporal-server.sh",
		"temporal-setup":  "/deploy/temporal-setup.sh",
	} {
		s := c.Services[name]
		require.Equal(t, []string{"/bin/sh", script}, s.Entrypoint, "service %s", name)
		require.Contains(t, s.Volumes, "./deploy:/deploy:ro", "service %s", name)
		_, err := os.Stat(strings.TrimPrefix(script, "/deploy/"))
		require.NoError(t, err)
	}
	require.Equal(t, "postgres12", c.Services["temporal"].Environment["DB"], "Temporal runs on PostgreSQL")
}

// The server's configuration is a template of the environment; the
// settings the compose file gives must be ones it or the start script reads.
func TestTemporalConfigReadsTheComposeSettings(t *testing.T) {
	config, err := os.ReadFile("temporal/config/ccflow.yaml")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(config), "# enable-template\n"), "temporal-server renders it only with this first line")
	start, err := os.ReadFile("temporal-server.sh")
	require.NoError(t, err)
	c := loadCompose(t)
	for name := range c.Services["temporal"].Environment {
		read := strings.Contains(string(config), `env "`+name+`"`) || strings.Contains(string(start), "${"+name)
		require.True(t, read, "the compose file sets %s, which neither the configuration nor temporal-server.sh reads", name)
	}
}
