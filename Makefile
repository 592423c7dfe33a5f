# ccflow's developer entry points. `make dev` runs the whole system locally,
# `make test` runs every test against private PostgreSQL and Temporal servers.
# Both need only Go: the pinned tools are built into .tools/bin.

TEMPORAL_CLI_VERSION  := v1.5.1
WORKFLOWCHECK_VERSION := v0.6.0
# The server docker-compose.yml runs (temporalio/server and admin-tools 1.29.1)
# and the one inside the pinned CLI's dev server.
TEMPORAL_SERVER_VERSION := v1.29.1
GOLANGCI_LINT_VERSION := v2.15.0
TOOLS_BIN             := $(CURDIR)/.tools/bin
TEMPORAL              := $(TOOLS_BIN)/temporal
WORKFLOWCHECK         := $(TOOLS_BIN)/workflowcheck
GOLANGCI_LINT         := $(TOOLS_BIN)/golangci-lint
# The production shape's Temporal server, its SQL schema tool and schema
# files; the names are also what deploy/temporal-server.sh and the
# production test read.
export TEMPORAL_SERVER     := $(TOOLS_BIN)/temporal-server
export TEMPORAL_SQL_TOOL   := $(TOOLS_BIN)/temporal-sql-tool
export TEMPORAL_SCHEMA_DIR := $(CURDIR)/.tools/temporal-schema

# Integration tests (servers, binaries, browsers) sit behind this build tag, so
# a plain `go test ./...` needs nothing but Go; make test sets it.
TEST_TAGS      := integration
GO_TEST_FLAGS  ?= -count=1
PACKAGES       ?= ./...
FUZZ_PACKAGES  ?= ./triggers ./core/entry ./core/templates ./core/tokens ./core/policy ./core/interaction ./core/durations ./core/conditions
# A count, not a duration: Go 1.26's fuzz runner can fail a timed run on a
# loaded machine with "context deadline exceeded" and no failing input.
FUZZTIME       ?= 100000x
DEVENV         := go run ./cmd/devenv

.PHONY: all dev test browser tools build bench fuzz vet lint workflowcheck temporal-server production clean

all: build

## dev: run PostgreSQL, Temporal (Web UI on :8233), the worker and the starter (:8080)
# Built and run rather than `go run`, which answers Ctrl-C with exit status 1
# after devenv has stopped everything cleanly.
dev: tools
	go build -o $(TOOLS_BIN)/devenv ./cmd/devenv
	$(TOOLS_BIN)/devenv dev

## entries: apply examples/entries to the running ccflow (make dev does it when it starts)
.PHONY: entries
entries:
	go run ./cmd/ccflowctl apply --token "$${CCFLOW_API_TOKEN:-dev-token}" examples/entries

## test: vet, lint, check workflow determinism, run every test with its servers
test: tools temporal-server browser vet lint workflowcheck test-plain
	$(DEVENV) test -- go test -tags $(TEST_TAGS) $(GO_TEST_FLAGS) $(PACKAGES)

# test-plain is what an editor's test runner does: no servers, no build tag.
# devenv plain fails it when a test started a server (PostgreSQL, Temporal,
# apt-get) all the same.
.PHONY: test-plain
test-plain:
	env -u DATABASE_URL -u TEMPORAL_ADDRESS $(DEVENV) plain -- go test $(GO_TEST_FLAGS) $(PACKAGES)

vet:
	go vet $(PACKAGES)
	go vet -tags $(TEST_TAGS) $(PACKAGES)

## lint: the pinned golangci-lint with .golangci.yml, over the integration tests too
lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run --build-tags $(TEST_TAGS) $(PACKAGES)

## production: the production shape without containers: the pinned temporal-server on PostgreSQL,
##   set up by docker-compose.yml's own scripts, two workers, two starters, SPEC's survey path
production: tools temporal-server
	$(DEVENV) test -- go test -tags $(TEST_TAGS) -count=1 -run '^TestProductionShape$$' -v ./e2e

## record-histories: record the replay corpus (testdata/histories) through a worker and private servers.
##   Payloads are sealed with the tests' public keys (codec/codectest), which the replay tests hold.
##   Existing files are kept: they prove that runs under older code still replay (docs/versioning.md).
##   PREFIX=v2- names the files of a new interpreter version, SCENARIOS="survey-answered cancelled"
##   picks scenarios, REPLACE=1 records existing files again.
# The file-name prefix of histories recorded with the current interpreter;
# a new versioned change (docs/versioning.md) moves it on to v2-.
PREFIX ?= v1-

.PHONY: record-histories
record-histories: $(TEMPORAL)
	env -u DATABASE_URL -u TEMPORAL_ADDRESS $(DEVENV) test -- go run ./cmd/record-histories -dir testdata/histories -prefix "$(PREFIX)" $(if $(REPLACE),-replace) $(SCENARIOS)

workflowcheck: $(WORKFLOWCHECK)
	$(WORKFLOWCHECK) $(PACKAGES)

## browser: make sure Debian's Chromium is there for the page tests (installed when root)
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing Debian's chromium for the browser tests"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is missing: the page tests need Debian's chromium package (sudo apt-get install chromium)"; exit 1; \
		fi; }

## tools: build the pinned Temporal CLI, workflowcheck and golangci-lint into .tools/bin
tools: $(TEMPORAL) $(WORKFLOWCHECK) $(GOLANGCI_LINT)

## temporal-server: build the pinned Temporal server and its SQL schema tool from Go modules into
##   .tools/bin, and copy its schema files to .tools/temporal-schema (about 5 minutes once)
temporal-server: $(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL) $(TEMPORAL_SCHEMA_DIR)

# One go install builds both (they share most packages); each is built only
# when missing, like the CLI.
$(TEMPORAL_SERVER) $(TEMPORAL_SQL_TOOL) &:
	@echo "building temporal-server and temporal-sql-tool $(TEMPORAL_SERVER_VERSION) into .tools/bin (about 5 minutes the first time)"
	rm -rf $(TOOLS_BIN)/.temporal-server
	GOBIN=$(TOOLS_BIN)/.temporal-server go install go.temporal.io/server/cmd/server@$(TEMPORAL_SERVER_VERSION) go.temporal.io/server/cmd/tools/sql@$(TEMPORAL_SERVER_VERSION)
	mv $(TOOLS_BIN)/.temporal-server/server $(TEMPORAL_SERVER)
	mv $(TOOLS_BIN)/.temporal-server/sql $(TEMPORAL_SQL_TOOL)
	rm -rf $(TOOLS_BIN)/.temporal-server

$(TEMPORAL_SCHEMA_DIR):
	go mod download go.temporal.io/server@$(TEMPORAL_SERVER_VERSION)
	rm -rf $@.tmp && cp -R "$$(go mod download -json go.temporal.io/server@$(TEMPORAL_SERVER_VERSION) | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$$/\1/p')/schema" $@.tmp
	chmod -R u+w $@.tmp && mv $@.tmp $@

$(GOLANGCI_LINT):
	@echo "building golangci-lint $(GOLANGCI_LINT_VERSION) into .tools/bin (about 4 minutes the first time)"
	GOBIN=$(TOOLS_BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)

# Built only when missing: the CLI takes minutes to compile, and later tags
# cannot be go-installed at all.
$(TEMPORAL):
	@echo "building the Temporal CLI $(TEMPORAL_CLI_VERSION) into .tools/bin (about 4 minutes the first time)"
	GOBIN=$(TOOLS_BIN) go install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

$(WORKFLOWCHECK):
	GOBIN=$(TOOLS_BIN) go install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

# What --version, the start-up log line and /livez say of a build from
# this tree (the toolchain's own VCS stamp is missing where -buildvcs=false).
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null)
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)$(if $(shell git status --porcelain 2>/dev/null),-dirty)
LDFLAGS  := -X github.com/ccflow/ccflow/buildinfo.version=$(VERSION) -X github.com/ccflow/ccflow/buildinfo.revision=$(REVISION)

## build: compile every package and the binaries into bin/, stamped with the version and revision
build:
	go build ./...
	go build -ldflags "$(LDFLAGS)" -o bin/ ./worker ./starter ./cmd/ccflowctl

## bench: print the performance table, every figure beside its reference measured in the same run,
##   against a ccflow of its own set up as make dev sets it up (a few minutes; BENCH_FLAGS="-phase 10s
##   -sleeping 2000" for a shorter run, -skip memory,rate to leave figures out)
BENCH_FLAGS ?=
bench: tools
	$(DEVENV) system -- go run ./cmd/bench $(BENCH_FLAGS)

## soak: the chaos soak: 5,000 events at 20/s through the API of a ccflow of its own (set up as make dev
##   sets it up, with SMTP and Twilio-shaped servers that count what they receive) while it kill -9s the
##   worker and restarts Temporal and PostgreSQL; prints what was lost or duplicated and fails if
##   anything was beyond the documented gap (about 7 minutes; SOAK_FLAGS="-events 500" for a short one)
.PHONY: soak
SOAK_FLAGS ?=
soak: $(TEMPORAL)
	go run ./cmd/soak $(SOAK_FLAGS)

## bench-go: every package's Go benchmarks, with their servers
.PHONY: bench-go
bench-go: tools
	$(DEVENV) test -- go test -tags $(TEST_TAGS) -run='^$$' -bench=. -benchmem $(PACKAGES)

## load: post ended interactions to the running ccflow (make dev) and measure latency and throughput,
##   e.g. make load LOAD_FLAGS="--events 500 --concurrency 8" (add --dry-run to start nothing)
.PHONY: load
LOAD_FLAGS ?=
load:
	go run ./cmd/ccflowctl load --token "$${CCFLOW_API_TOKEN:-dev-token}" $(LOAD_FLAGS)

## fuzz: a short run of every fuzz target in $(FUZZ_PACKAGES)
fuzz:
	@set -e; for pkg in $(FUZZ_PACKAGES); do \
		for target in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "fuzzing $$pkg $$target for $(FUZZTIME)"; \
			go test -run='^$$' -fuzz="^$$target\$$" -fuzztime=$(FUZZTIME) $$pkg; \
		done; \
	done

## clean: remove the dev environment's data (PostgreSQL, Temporal, outbox, binaries)
clean:
	rm -rf .dev bin
