// Experiment for issue 2 (not part of the product): platform-token-runtime as shipped, except that
// NIO's event loops become Swift Concurrency's global executor only with BENCH_EXECUTOR_TAKEOVER=1
// (the shipped executables always do it), so the two can be compared from one binary.
// Built by bench/experiments/executor-takeover/build.sh as a separate package that depends on this
// repository by path.
import Foundation
import TokenRuntime

let takeover = ProcessInfo.processInfo.environment["BENCH_EXECUTOR_TAKEOVER"] == "1"
if takeover {
    guard ConcurrencyExecutor.useEventLoops() else {
        FileHandle.standardError.write(Data("could not install the NIO executor\n".utf8))
        exit(3)
    }
}
let configuration: RuntimeConfiguration
do {
    configuration = try RuntimeConfiguration.load(from: ProcessInfo.processInfo.environment)
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(2)
}
try await RuntimeServer.run(configuration: configuration)
