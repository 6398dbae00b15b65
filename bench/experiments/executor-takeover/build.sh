#!/usr/bin/env bash
# Builds bench/experiments/executor-takeover (release) as a throw-away package that depends on this
# repository by path; prints the path of the built binary. Scratch folder: $TAKEOVER_SCRATCH
# (default /tmp/ljq-executor-takeover): a first build compiles NIO and Hummingbird (~15 min on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then export PATH=/opt/swift/usr/bin:$PATH; fi
scratch=${TAKEOVER_SCRATCH:-/tmp/ljq-executor-takeover}
pkg="$scratch/package"
mkdir -p "$pkg/Sources/RuntimeTakeover"
cp "$here/main.swift" "$pkg/Sources/RuntimeTakeover/main.swift"
# Same dependency versions as the repository's own build, when it has resolved them.
[ -f "$root/Package.resolved" ] && cp "$root/Package.resolved" "$pkg/Package.resolved"
identity=$(basename "$root" | tr '[:upper:]' '[:lower:]')
cat >"$pkg/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "runtime-takeover",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "$root"),
    ],
    targets: [
        .executableTarget(
            name: "RuntimeTakeover",
            dependencies: [
                .product(name: "TokenRuntime", package: "$identity"),
            ]
        ),
    ]
)
SWIFT
swift build -c release --package-path "$pkg" --scratch-path "$scratch/build" --product RuntimeTakeover >&2
echo "$(swift build -c release --package-path "$pkg" --scratch-path "$scratch/build" --show-bin-path)/RuntimeTakeover"
