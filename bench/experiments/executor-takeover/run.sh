#!/usr/bin/env bash
# Issue 2 experiment: the same runtime code measured by bench/introspect.sh twice from one binary,
# without and with NIO's event loops installed as Swift Concurrency's global executor
# (BENCH_EXECUTOR_TAKEOVER=0/1, see main.swift). Prints two markdown sections.
# Environment: as bench/introspect.sh (MODES, DURATION, ...), TAKEOVER_SCRATCH as build.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=$(bash "$here/build.sh")
for takeover in 0 1; do
    label=$([ "$takeover" = 1 ] && echo "with NIO as the global executor" || echo "as shipped (global executor: Dispatch)")
    BENCH_EXECUTOR_TAKEOVER=$takeover RUNTIME_BINARY=$binary TITLE="Introspection, experiment: $label" \
        bash "$here/../../introspect.sh"
    echo
done
