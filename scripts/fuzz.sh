#!/usr/bin/env bash
# Runs every Fuzz* target of the given packages (default ./...) for FUZZTIME
# each (default 200000x). FUZZTIME is an execution count rather than a
# duration: with a duration, Go 1.26's fuzz coordinator can report a spurious
# "context deadline exceeded" failure when time runs out (go.dev/issue/75804,
# fixed in Go 1.27), and a count also makes the smoke run the same work on a
# busy machine. `go test -fuzz` takes one package and one target at a
# time, so targets are discovered per package with `go test -list`.
# Every target runs even if an earlier one fails; the exit status is non-zero
# if any failed. New failing inputs land in <pkg>/testdata/fuzz/ as usual.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

GO="${GO:-go}"
FUZZTIME="${FUZZTIME:-200000x}"
(($# > 0)) || set -- ./...

# `go test -list` prints the matching names of a package, then a summary line
# "ok <import path> <time>" for it.
listing="$("$GO" test -run '^$' -list '^Fuzz' "$@")"

targets=() # "import/path FuzzName"
pending=()
while IFS= read -r line; do
	case "$line" in
	Fuzz*) pending+=("$line") ;;
	ok\ *)
		pkg="$(awk '{print $2}' <<<"$line")"
		for name in "${pending[@]}"; do targets+=("$pkg $name"); done
		pending=()
		;;
	esac
done <<<"$listing"

if ((${#targets[@]} == 0)); then
	echo "fuzz: no Fuzz targets found"
	exit 0
fi

failed=()
for t in "${targets[@]}"; do
	pkg="${t% *}"
	name="${t#* }"
	echo "fuzz: $pkg $name for $FUZZTIME"
	if ! "$GO" test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "$pkg"; then
		failed+=("$pkg $name")
	fi
done

if ((${#failed[@]} > 0)); then
	echo "fuzz: ${#failed[@]} of ${#targets[@]} target(s) FAILED:" >&2
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "fuzz: all ${#targets[@]} target(s) ran clean for $FUZZTIME each"
