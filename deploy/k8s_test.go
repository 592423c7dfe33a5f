package deploy

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/yaml"
)

// No cluster runs where the tests run, so the manifests are checked
// offline: each decodes strictly into the Kubernetes API's own types (a
// misspelt field fails), and the probes, ports and settings point at what
// the binaries really serve and read.

// manifests are the objects of deploy/k8s, by kind and name.
type manifests struct {
	deployments map[string]appsv1.Deployment
	services    map[string]corev1.Service
	configMaps  map[string]corev1.ConfigMap
	secrets     map[string]corev1.Secret
	budgets     map[string]policyv1.PodDisruptionBudget
}

func loadManifests(t *testing.T) manifests {
	t.Helper()
	var kustomization struct {
		Resources []string `json:"resources"`
	}
	data, err := os.ReadFile("k8s/kustomization.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &kustomization))
	m := manifests{deployments: map[string]appsv1.Deployment{}, services: map[string]corev1.Service{},
		configMaps: map[string]corev1.ConfigMap{}, secrets: map[string]corev1.Secret{}, budgets: map[string]policyv1.PodDisruptionBudget{}}
	for _, file := range kustomization.Resources {
		data, err := os.ReadFile(filepath.Join("k8s", file))
		require.NoError(t, err, "kustomization.yaml lists %s", file)
		for _, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var meta struct {
				Kind     string `json:"kind"`
				Metadata struct {
					Name string `json:"name"`
				} `json:"metadata"`
			}
			require.NoError(t, yaml.Unmarshal([]byte(doc), &meta), file)
			name := meta.Metadata.Name
			strict := func(v any) {
				require.NoError(t, yaml.UnmarshalStrict([]byte(doc), v), "%s: %s %s", file, meta.Kind, name)
			}
			switch meta.Kind {
			case "Deployment":
				var d appsv1.Deployment
				strict(&d)
				m.deployments[name] = d
			case "Service":
				var s corev1.Service
				strict(&s)
				m.services[name] = s
			case "ConfigMap":
				var c corev1.ConfigMap
				strict(&c)
				m.configMaps[name] = c
			case "Secret":
				var s corev1.Secret
				strict(&s)
				m.secrets[name] = s
			case "PodDisruptionBudget":
				var b policyv1.PodDisruptionBudget
				strict(&b)
				m.budgets[name] = b
			default:
				t.Fatalf("%s: unexpected kind %q", file, meta.Kind)
			}
		}
	}
	return m
}

// settings is every variable the Deployments get from their ConfigMaps
// and Secrets.
func (m manifests) settings() map[string]string {
	all := map[string]string{}
	for _, c := range m.configMaps {
		for k, v := range c.Data {
			all[k] = v
		}
	}
	for _, s := range m.secrets {
		for k, v := range s.StringData {
			all[k] = v
		}
	}
	return all
}

func TestManifestsRunTheWorkerAndTheStarterWithProbesOnTheirRealEndpoints(t *testing.T) {
	m := loadManifests(t)
	settings := m.settings()
	tests := []struct {
		deployment, binary, addrVar string
	}{
		{deployment: "ccflow-worker", binary: "/usr/local/bin/worker", addrVar: "CCFLOW_WORKER_HTTP_ADDR"},
		{deployment: "ccflow-starter", binary: "/usr/local/bin/starter", addrVar: "CCFLOW_HTTP_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.deployment, func(t *testing.T) {
			d, ok := m.deployments[tt.deployment]
			require.True(t, ok, "a Deployment %s", tt.deployment)
			require.GreaterOrEqual(t, *d.Spec.Replicas, int32(2), "more than one, so a restart is no outage")
			require.Equal(t, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels, "the selector picks the pods")
			require.Len(t, d.Spec.Template.Spec.Containers, 1)
			c := d.Spec.Template.Spec.Containers[0]
			require.Equal(t, []string{tt.binary}, c.Command)

			_, port, err := net.SplitHostPort(settings[tt.addrVar])
			require.NoError(t, err, "%s must be set, as host:port", tt.addrVar)
			require.Len(t, c.Ports, 1)
			require.Equal(t, port, strconv.Itoa(int(c.Ports[0].ContainerPort)), "the container port is where %s listens", tt.addrVar)
			require.Equal(t, port, d.Spec.Template.Annotations["prometheus.io/port"])
			require.Equal(t, "/metrics", d.Spec.Template.Annotations["prometheus.io/path"])
			for probe, path := range map[*corev1.Probe]string{c.StartupProbe: "/livez", c.LivenessProbe: "/livez", c.ReadinessProbe: "/readyz"} {
				require.NotNil(t, probe)
				require.Equal(t, path, probe.HTTPGet.Path)
				require.Equal(t, c.Ports[0].Name, probe.HTTPGet.Port.String(), "probes use the named port")
			}

			require.False(t, c.Resources.Requests.Cpu().IsZero(), "a CPU request")
			require.False(t, c.Resources.Requests.Memory().IsZero(), "a memory request")
			require.False(t, c.Resources.Limits.Memory().IsZero(), "a memory limit")
			require.True(t, *c.SecurityContext.ReadOnlyRootFilesystem)
			require.True(t, *d.Spec.Template.Spec.SecurityContext.RunAsNonRoot, "the image runs as nonroot")

			var fromConfig, fromSecret bool
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef != nil {
					require.Contains(t, m.configMaps, from.ConfigMapRef.Name)
					fromConfig = true
				}
				if from.SecretRef != nil {
					require.Contains(t, m.secrets, from.SecretRef.Name)
					fromSecret = true
				}
			}
			require.True(t, fromConfig && fromSecret, "settings from a ConfigMap, secrets from a Secret")
			require.Contains(t, m.budgets, tt.deployment, "a disruption budget keeps one running during node drains")
		})
	}
}

func TestManifestSettingsAreOnesTheBinariesRead(t *testing.T) {
	m := loadManifests(t)
	var config []byte
	files, err := filepath.Glob("../config/*.go")
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		config = append(config, data...)
	}
	for name := range m.settings() {
		read := bytes.Contains(config, []byte(`"`+name+`"`)) || strings.HasPrefix(name, "TEMPORAL_") || strings.HasPrefix(name, "OTEL_")
		require.True(t, read, "%s is not a variable ccflow reads", name)
	}
	for _, secret := range []string{"DATABASE_URL", "CCFLOW_API_TOKEN", "SMTP_URL", "TWILIO_AUTH_TOKEN", "CCFLOW_SURVEY_SECRET", "CCFLOW_PAYLOAD_KEYS"} {
		var inSecret bool
		for _, s := range m.secrets {
			_, inSecret = s.StringData[secret]
		}
		require.True(t, inSecret, "%s is a secret: it belongs in the Secret, not the ConfigMap", secret)
	}
}

func TestManifestServiceReachesTheStarter(t *testing.T) {
	m := loadManifests(t)
	svc, ok := m.services["ccflow-starter"]
	require.True(t, ok)
	d := m.deployments["ccflow-starter"]
	for k, v := range svc.Spec.Selector {
		require.Equal(t, v, d.Spec.Template.Labels[k], "the Service selects the starter's pods")
	}
	require.Equal(t, d.Spec.Template.Spec.Containers[0].Ports[0].Name, svc.Spec.Ports[0].TargetPort.String())
}
