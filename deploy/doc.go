// Package deploy holds the files that run ccflow on Docker (the compose
// file's setup scripts) and the tests that keep docker-compose.yml honest on
// machines without a Docker engine.
package deploy
