// Experiment for issue 2 (not part of the product): platform-token-runtime exactly as shipped, except
// that with BENCH_EXECUTOR_TAKEOVER=1 NIO's event loops become Swift Concurrency's global executor
// before anything else runs, so a request's handler (a Swift task) runs on the event loop thread
// that owns its connection instead of hopping to the global pool and back.
// Built by bench/executor-takeover.sh as a separate package that depends on this repository by path.
import Foundation
import NIOCore
import NIOPosix
import TokenRuntime

let takeover = ProcessInfo.processInfo.environment["BENCH_EXECUTOR_TAKEOVER"] == "1"
if takeover {
    guard NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor() else {
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
