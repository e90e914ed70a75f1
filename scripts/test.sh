#!/usr/bin/env bash
# The project's full check, as run by `make test` and CI (.ci/run):
#   1. go vet ./...
#   2. staticcheck ./...
#   3. scripts/refs.sh install        the Python and Java reference clients the
#                                     cross-language tests run (internal/testing/reftest)
#   4. go test -race -count=1 ./...   with DynamoDB Local + local-kms running
#                                     (scripts/services.sh run: started first,
#                                     stopped afterwards even on failure)
#   5. fuzz smoke: every Fuzz* target for FUZZTIME executions (scripts/fuzz.sh)
#
# Environment: FUZZTIME (default 30000x here), STATICCHECK_VERSION, GO,
# DDBCRYPT_SHARED_DIR (the checkout of the reference implementations; see
# scripts/refs.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

GO="${GO:-go}"
STATICCHECK_VERSION="${STATICCHECK_VERSION:-v0.8.2}"
export FUZZTIME="${FUZZTIME:-30000x}"

stage_start=-1
stage() {
	if ((stage_start >= 0)); then printf '    (%ds)\n' $((SECONDS - stage_start)) >&2; fi
	stage_start=$SECONDS
	printf '\n==> %s\n' "$*" >&2
}

stage "go vet ./..."
"$GO" vet ./...

stage "staticcheck $STATICCHECK_VERSION ./..."
"$GO" run "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ./...

stage "reference implementations (scripts/refs.sh install: Python check, Java build, cached)"
bash scripts/refs.sh install

stage "go test -race -count=1 ./... (with local DynamoDB + KMS)"
bash scripts/services.sh run -- "$GO" test -race -count=1 ./...

stage "fuzz smoke (FUZZTIME=$FUZZTIME per target)"
bash scripts/fuzz.sh ./...
printf '    (%ds)\n==> all checks passed in %ds\n' $((SECONDS - stage_start)) "$SECONDS" >&2
