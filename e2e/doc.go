// Package e2e tests ccflow end to end: the real starter and worker binaries,
// built from this tree and run as processes, against the real Temporal dev
// server and PostgreSQL that `make test` starts (the restart test runs a
// Temporal server of its own, with its state on disk, to stop and start it),
// an SMTP server and a Twilio-shaped API on loopback, and Debian's Chromium
// for the pages.
package e2e
