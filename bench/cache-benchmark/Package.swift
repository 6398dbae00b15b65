// swift-tools-version:6.1
// The gateway's introspection cache micro-benchmark (issue 3), outside the root package so that
// neither `swift build` nor `swift test` there compiles the benchmark framework.
//
//   bash bench/cache.sh                                                 # the markdown section
//   swift package --package-path bench/cache-benchmark benchmark        # every benchmark, text
//
// See bench/README.md.
import Foundation
import PackageDescription

/// SwiftPM names a path dependency after its folder, so the root package's identity is the name of
/// the checkout's folder (`lijiaoqiao`, `main`, ...): products are looked up under that name.
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "cache-benchmark",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        // Malloc statistics (allocations, bytes kept) come from the malloc interposer, the
        // MallocInterposer trait (Swift 6.3+); the Swift runtime interposer (ARC counters) is left
        // out. To measure without any interposer, make this `traits: []`.
        .package(url: "https://github.com/ordo-one/benchmark.git", exact: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "TokenCache",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Gateway", package: rootIdentity),
                .product(name: "TokenProtocol", package: rootIdentity),
                .product(name: "TokenRuntime", package: rootIdentity),
                .product(name: "ServiceSupport", package: rootIdentity),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Benchmarks/TokenCache",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ]
)
