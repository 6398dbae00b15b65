#!/usr/bin/env bash
# The one repo-level check: installs what it needs (apt, as root), builds, runs every test
# (unit, HTTP and integration, with a real PostgreSQL), and checks the repository itself.
# Idempotent; safe to run again on the same machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

log() { printf '\n== %s\n' "$*"; }

if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH=/opt/swift/usr/bin:$PATH
fi

# --- system packages -------------------------------------------------------------------------
need=()
command -v initdb >/dev/null 2>&1 || [ -x /usr/lib/postgresql/15/bin/initdb ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need+=(python3-venv)
command -v curl >/dev/null 2>&1 || need+=(curl)
# The TLS integration tests make a throwaway CA and certificates with the openssl CLI.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    if [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "missing packages (${need[*]}) and not root: install them first" >&2
        exit 1
    fi
fi

# --- repository checks -----------------------------------------------------------------------
log "repository checks"
fail=0
if git ls-files | grep -qE '(^|/)\.build[^/]*/|(^|/)Package\.resolved$'; then
    echo "a build folder or Package.resolved is tracked" >&2
    fail=1
fi
# Raw tokens or provider keys must never be committed.
if git grep -nIE 'ljq_[0-9A-Za-z]{49}|sk-[A-Za-z0-9_-]{32,}|-----BEGIN (RSA |EC )?PRIVATE KEY' -- . ':!scripts/ci/repo_integrity_check.sh' >/dev/null; then
    echo "something that looks like a token or private key is committed:" >&2
    git grep -nIE 'ljq_[0-9A-Za-z]{49}|sk-[A-Za-z0-9_-]{32,}|-----BEGIN (RSA |EC )?PRIVATE KEY' -- . ':!scripts/ci/repo_integrity_check.sh' >&2
    fail=1
fi
# Every environment variable the code reads is documented in README.md.
for v in $(git grep -hoE '"(GATEWAY|TOKEN_RUNTIME|OPENAI|PASSWORD)_[A-Z0-9_]+"' -- '*.swift' | tr -d '"' | sort -u); do
    if ! grep -q "$v" README.md; then
        echo "environment variable $v is read by the code but not documented in README.md" >&2
        fail=1
    fi
done
# Module boundaries (docs/ARCHITECTURE.md): the gateway library never links the token runtime, and
# TokenProtocol, the wire vocabulary both services share, imports nothing but Foundation and Crypto.
if git grep -nE '^\s*(@testable |@_exported |public |package |internal )?import TokenRuntime\b' -- 'gateway/Sources/Gateway/*.swift' >&2; then
    echo "the Gateway library imports TokenRuntime (only GatewayInProcessRuntime may)" >&2
    fail=1
fi
if git grep -nE '^\s*(@testable |@_exported |public |package |internal )?import ' -- 'shared/Sources/TokenProtocol/*.swift' \
    | grep -vE 'import (Foundation|Crypto)\s*$' >&2; then
    echo "TokenProtocol imports something other than Foundation or Crypto" >&2
    fail=1
fi
if grep -n '"TokenRuntime"' <(sed -n '/^ *name: "Gateway", *$/,/path: "gateway\/Sources\/Gateway"/p' Package.swift) >&2; then
    echo "the Gateway target depends on TokenRuntime in Package.swift" >&2
    fail=1
fi
# Library and executable sources follow .swift-format (swift-format ships with the toolchain).
if swift format --version >/dev/null 2>&1; then
    if ! swift format lint --strict -r gateway/Sources platform-token-runtime/Sources shared/Sources bench/cache-benchmark/Benchmarks; then
        echo "sources are not formatted: swift format format -i -r gateway/Sources platform-token-runtime/Sources shared/Sources bench/cache-benchmark/Benchmarks" >&2
        fail=1
    fi
fi
[ "$fail" = 0 ] || exit 1
echo "ok"

# --- build and test --------------------------------------------------------------------------
log "swift build (debug, with tests and executables)"
swift build --build-tests

log "PostgreSQL for the tests (scripts/ci/postgres.sh)"
trap 'bash scripts/ci/postgres.sh stop-all >/dev/null 2>&1 || true' EXIT
eval "$(bash scripts/ci/postgres.sh start)"

# The OpenAI Python SDK for IntegrationTests' openAIPythonSDKAgainstTheLiveGateway and
# openAIPythonSDKOverHTTPS, the Anthropic one for anthropicPythonSDKAgainstTheMock and both for
# anthropicAndOpenAISDKsThroughTheGatewayBothWays (Tests/sdk/).
ljq_venv=${LJQ_VENV:-/tmp/ljq-venv}
log "python venv with the openai and anthropic SDKs: $ljq_venv"
[ -x "$ljq_venv/bin/python" ] || python3 -m venv "$ljq_venv"
"$ljq_venv/bin/python" -c 'import openai' >/dev/null 2>&1 || "$ljq_venv/bin/python" -m pip install -q openai
"$ljq_venv/bin/python" -c 'import anthropic' >/dev/null 2>&1 || "$ljq_venv/bin/python" -m pip install -q anthropic
# The OTLP receiver of IntegrationTests' TracingTests decodes the exported protobuf with it.
"$ljq_venv/bin/python" -c 'import opentelemetry.proto' >/dev/null 2>&1 || "$ljq_venv/bin/python" -m pip install -q opentelemetry-proto
export LJQ_PYTHON="$ljq_venv/bin/python"

# --- admin console browser test: Chromium, chromedriver and selenium ----------------------------
# IntegrationTests' AdminConsoleBrowserTests drives headless Chromium (Debian's chromium and
# chromium-driver) with selenium (PyPI, into the venv above) through Tests/browser/.
browser_need=()
command -v chromium >/dev/null 2>&1 || browser_need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || browser_need+=(chromium-driver)
if [ ${#browser_need[@]} -gt 0 ]; then
    log "installing ${browser_need[*]}"
    if [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${browser_need[@]}" >/dev/null
    elif command -v sudo >/dev/null 2>&1; then
        sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${browser_need[@]}" >/dev/null
    else
        echo "missing packages (${browser_need[*]}) and neither root nor sudo: install them first" >&2
        exit 1
    fi
fi
"$ljq_venv/bin/python" -c 'import selenium' >/dev/null 2>&1 || "$ljq_venv/bin/python" -m pip install -q selenium
LJQ_CHROMEDRIVER=$(command -v chromedriver)
export LJQ_CHROMEDRIVER
# Screenshots of every console page (desktop and phone width); docs/images holds committed ones.
export LJQ_SCREENSHOTS=${LJQ_SCREENSHOTS:-/tmp/ljq-console-screenshots}

log "swift test"
swift test --skip-build 2>&1 | tee /tmp/ljq-swift-test.log
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
    echo "swift test failed" >&2
    exit "$status"
fi
# The PostgreSQL suites are disabled without LJQ_TEST_DATABASE_URL: make sure they really ran.
for pg_test in aBudgetHoldsAcrossTwoRuntimeReplicasOnPostgreSQL aRuntimeKilledAndRestartedMidRunLosesNoSpendAndCountsNoneTwice; do
    if ! grep -q "Test $pg_test() passed" /tmp/ljq-swift-test.log; then
        echo "the PostgreSQL budget test $pg_test did not run" >&2
        exit 1
    fi
done
for suite in PostgresTokenStoreTests PostgresAuditSinkTests PostgresUsageLedgerTests PostgresQuotaStoreTests UsageThroughGatewayTests; do
    if ! grep -q "Suite $suite passed" /tmp/ljq-swift-test.log; then
        echo "the $suite suite did not run" >&2
        exit 1
    fi
done
if ! grep -qE 'Test lifecycle\(_:\) with 2 test cases passed' /tmp/ljq-swift-test.log; then
    echo "the token store contract did not run against both stores" >&2
    exit 1
fi
if ! grep -qE 'Test aBatchRecordedTwiceCountsOnce\(_:\) with 2 test cases passed' /tmp/ljq-swift-test.log; then
    echo "the usage ledger contract did not run against both ledgers" >&2
    exit 1
fi
# The SDK tests are skipped without LJQ_PYTHON: make sure they really ran and passed.
for sdk_test in openAIPythonSDKAgainstTheLiveGateway openAIPythonSDKSeesRateLimitErrorWithTheGatewaysRetryAfter openAIPythonSDKOverHTTPS \
    anthropicPythonSDKAgainstTheMock anthropicAndOpenAISDKsThroughTheGatewayBothWays; do
    if ! grep -q "$sdk_test() passed" /tmp/ljq-swift-test.log; then
        echo "the Python SDK integration test $sdk_test did not pass (see /tmp/ljq-swift-test.log)" >&2
        exit 1
    fi
done
# The tracing tests are skipped without LJQ_PYTHON too (their OTLP receiver is Python).
for tracing_test in aStreamedChatWithACacheMissIsOneTraceAcrossGatewayRuntimeAndProvider samplingRatioZeroExportsNothing \
    aCollectorThatIsDownCostsRequestsNothing aProviderFailingMidStreamIsAnErrorSpanAndItsLogLineCarriesTheTraceID; do
    if ! grep -q "$tracing_test() passed" /tmp/ljq-swift-test.log; then
        echo "the tracing integration test $tracing_test did not pass (see /tmp/ljq-swift-test.log)" >&2
        exit 1
    fi
done
# The admin console's browser test is skipped without LJQ_CHROMEDRIVER: make sure it really ran and passed.
if ! grep -q "theConsoleInARealBrowser() passed" /tmp/ljq-swift-test.log; then
    echo "the admin console browser test (AdminConsoleBrowserTests) did not pass (see /tmp/ljq-swift-test.log; screenshots in $LJQ_SCREENSHOTS)" >&2
    exit 1
fi
# The cache micro-benchmark is a package of its own (bench/cache-benchmark, ordo-one/benchmark),
# outside the build above: build it (debug, its own .build) so it cannot rot. Not run here.
log "swift build --package-path bench/cache-benchmark (debug)"
swift build --package-path bench/cache-benchmark
log "all checks passed"
