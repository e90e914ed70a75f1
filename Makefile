# ddbcrypt developer and CI commands. `make test` is what CI runs (.ci/run).
# Local AWS stand-ins (DynamoDB Local, local-kms) are managed by
# scripts/services.sh and cached in .cache/.

SHELL := bash
.DEFAULT_GOAL := test

GO                  ?= go
STATICCHECK_VERSION ?= v0.8.2
# Per-target fuzz time for `make fuzz`, and the short one `make test` uses.
FUZZTIME            ?= 200000x
TEST_FUZZTIME       ?= 30000x
PKGS                ?= ./...

export GO STATICCHECK_VERSION

.PHONY: help
help: ## list targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{gsub(/\$$\$$/, "$$", $$2); printf "  %-16s %s\n", $$1, $$2}'

.PHONY: test
test: ## vet + staticcheck + race tests against local services + fuzz smoke (CI)
	FUZZTIME=$(TEST_FUZZTIME) bash scripts/test.sh

.PHONY: unit
unit: ## go test -race without starting services (integration tests skip)
	$(GO) test -race -count=1 $(PKGS)

.PHONY: fuzz
fuzz: ## run every Fuzz* target for FUZZTIME executions (default 200000x) each
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh $(PKGS)

.PHONY: bench
bench: ## run benchmarks (no tests)
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

.PHONY: perf-report
perf-report: ## regenerate docs/performance.{md,svg}: the benchmarks in rounds vs floor, attributevalue, raw calls, Python (PERF_ARGS: flags)
	@if [[ -n "$${AWS_ENDPOINT_URL_DYNAMODB:-}" && -n "$${AWS_ENDPOINT_URL_KMS:-}" ]]; then \
		echo "perf-report: using the services of AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_KMS" >&2; \
		$(GO) run ./internal/tools/perfreport $(PERF_ARGS); \
	else \
		bash scripts/services.sh run -- $(GO) run ./internal/tools/perfreport $(PERF_ARGS); \
	fi

.PHONY: demo
demo: ## run examples/demo against local services (stopped afterwards)
	bash scripts/services.sh run -- $(GO) run ./examples/demo

.PHONY: demo-kms
demo-kms: ## the demo with the Direct KMS provider and a key in local-kms
	bash scripts/services.sh run -- $(GO) run ./examples/demo -provider kms -table ddbcrypt-demo-kms

.PHONY: services-up
services-up: ## start DynamoDB Local + local-kms (then: eval "$$(scripts/services.sh env)")
	bash scripts/services.sh start
	@echo 'Run: eval "$$(scripts/services.sh env)"' >&2

.PHONY: services-down
services-down: ## stop the services started by services-up
	bash scripts/services.sh stop

.PHONY: services-status
services-status: ## show whether the services are running
	bash scripts/services.sh status

.PHONY: refs
refs: ## check the Python reference and build the Java one for the cross-language tests
	bash scripts/refs.sh install

.PHONY: vet
vet: ## go vet
	$(GO) vet $(PKGS)

.PHONY: staticcheck
staticcheck: ## staticcheck at the pinned version
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS)

.PHONY: lint
lint: fmt-check vet staticcheck ## gofmt check + vet + staticcheck

.PHONY: fmt
fmt: ## gofmt -w all Go files
	git ls-files -z --cached --others --exclude-standard '*.go' | xargs -0 -r gofmt -s -w

.PHONY: fmt-check
fmt-check: ## fail if any Go file is not gofmt'ed
	@out="$$(git ls-files -z --cached --others --exclude-standard '*.go' | xargs -0 -r gofmt -s -l)"; \
	if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

.PHONY: clean-cache
clean-cache: services-down ## remove .cache/ (downloaded/built services)
	rm -rf .cache
