#!/usr/bin/env bash
# The whole benchmark suite: release builds, then each benchmark (each starts and stops what it
# needs: the services, the mock upstream, nginx, wrk), and bench/RESULTS.md rewritten with every
# section, the commit and the machine. Ratios are quoted within one run, never across runs.
#   bash bench/run.sh            # everything (about 18 minutes on 2 cores)
#   ONLY="proxy revocation" bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
export SCRATCH=${SCRATCH:-.build-release}
ONLY=${ONLY:-introspect cache proxy proxy-fast revocation slow-clients budget anthropic tracing console}

echo "building release binaries (scratch $SCRATCH)..." >&2
swift build -c release --scratch-path "$SCRATCH" >/dev/null
export SKIP_BUILD=1

out=$(mktemp)
{
    echo "# Benchmark results"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') at commit $(git rev-parse --short HEAD) by \`bash bench/run.sh\`, on $(nproc) cores"
    echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB, release builds."
    echo "Each section is one run; compare figures within a section, not across runs or machines."
    echo
    for bench in $ONLY; do
        case $bench in
            introspect) [ -f bench/introspect.sh ] && bash bench/introspect.sh ;;
            cache) [ -f bench/cache.sh ] && bash bench/cache.sh ;;
            proxy) bash bench/proxy.sh ;;
            proxy-fast) bash bench/proxy-fast.sh ;;
            revocation) bash bench/revocation.sh ;;
            budget) bash bench/budget.sh ;;
            slow-clients) bash bench/slow-clients.sh ;;
            anthropic) bash bench/anthropic.sh ;;
            tracing) bash bench/tracing.sh ;;
            console) bash bench/console.sh ;;
        esac
        echo
    done
} > "$out"
mv "$out" bench/RESULTS.md
echo "wrote bench/RESULTS.md" >&2
