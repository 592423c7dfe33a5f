// Package deploy holds what runs ccflow outside a developer's machine: the
// docker compose file's setup scripts and Temporal's configuration (shared
// with `make production`, which runs them against a server built from Go
// modules), the Kubernetes manifests in k8s/, the Grafana dashboard, and
// the tests that keep them honest on machines without a container engine
// or a cluster.
package deploy
