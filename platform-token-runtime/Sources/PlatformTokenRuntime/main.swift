import NIOCore
import NIOPosix

// Before anything asynchronous runs, NIO's event loops become Swift Concurrency's global executor:
// a request handler (a Swift task) then runs on the event loop that owns its connection instead of
// hopping to Dispatch's pool and back. Measured in bench/RESULTS.md ("executor"). Nothing in this
// process blocks a thread while serving; the CLI subcommands block only themselves.
_ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// Runs the command (top-level code would pick ArgumentParser's synchronous `main()`).
func runCommand() async {
    await PlatformTokenRuntimeCommand.main()
}
await runCommand()
