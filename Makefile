# Morph — make run starts the server, make test runs every test.
GO        ?= go
BIN       ?= bin/morph
ADDR      ?= 127.0.0.1:8080
STORE     ?= sqlite:./morph-data/morph.db
FUZZTIME  ?= 10m
EXAMPLE   ?= sme-crm
DEMO      ?= 300

.PHONY: run build ui test test-e2e test-mongo-compat vet bench fuzz clean

run: build
	./$(BIN) serve --addr $(ADDR) --store $(STORE) --example $(EXAMPLE) --demo $(DEMO)

# The UI (builder-ui, Vue) is built into builder-ui/dist, which the binary embeds.
build: ui
	$(GO) build -o $(BIN) ./cmd/morph

# npm ci runs only when node_modules is missing or the lock file changed.
UI_DEPS := builder-ui/node_modules/.morph-installed
$(UI_DEPS): builder-ui/package-lock.json
	cd builder-ui && npm ci --no-audit --no-fund
	touch $@

ui: $(UI_DEPS)
	cd builder-ui && npm run build

# Every test, including the store conformance suite on SQLite and on an
# embedded FerretDB (MongoDB wire protocol), the seed corpora of the fuzz
# targets, the reliability tests against the real binary, and the browser tests
# of the UI (headless Chromium against bin/morph).
test: vet build
	$(GO) test -count=1 -timeout 20m ./...
	cd builder-ui && npm run test:unit
	$(MAKE) test-e2e

# The browser tests alone (needs bin/morph built with the UI: make build).
test-e2e:
	node --test --test-concurrency=1 builder-ui/e2e/

# The MongoDB adapter's tests, the API scenarios, the workflow queue, SLA policies and the binary's crash tests against FerretDB v2 on
# PostgreSQL (DocumentDB), started for the run from ../shared/tools/mongo-compat
# (MONGO_COMPAT=dir names another place) and stopped after it.
test-mongo-compat:
	GO=$(GO) .ci/mongo-compat

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# Go benchmarks of the store and the engine (see docs/PERFORMANCE.md).
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./engine/... ./api/...

# Long fuzzing runs of each target (make test runs their seed corpora only).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzFilter$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./schema/lang/
	$(GO) test -run '^$$' -fuzz '^FuzzExpr$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./schema/lang/
	$(GO) test -run '^$$' -fuzz '^FuzzRoundTrip$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./schema/calendar/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./schema/
	$(GO) test -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./schema/
	$(GO) test -run '^$$' -fuzz '^FuzzCheckText$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./schema/
	$(GO) test -run '^$$' -fuzz '^FuzzMask$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./schema/mask/
	$(GO) test -run '^$$' -fuzz '^FuzzRecordBody$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./api/
	$(GO) test -run '^$$' -fuzz '^FuzzRewriteRaw$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./engine/
	$(GO) test -run '^$$' -fuzz '^FuzzProjectRaw$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s ./engine/

clean:
	rm -rf bin
