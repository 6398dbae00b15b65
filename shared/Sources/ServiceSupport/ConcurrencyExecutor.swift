import NIOCore
import NIOPosix

/// How both executables run Swift Concurrency.
public enum ConcurrencyExecutor {
    /// Makes NIO's event loops (the singleton group Hummingbird and AsyncHTTPClient use) Swift
    /// Concurrency's global executor, so a request handler runs on the event loop that owns its
    /// connection instead of hopping to Dispatch's pool and back (bench/HISTORY.md: 151 -> 141 µs
    /// of CPU per introspection on its own). Call it first in `main`, before anything asynchronous
    /// runs; false if that was too late. Nothing in the services blocks a thread while serving:
    /// files are read at startup, and the CLI subcommands block only themselves.
    @discardableResult
    public static func useEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }
}
