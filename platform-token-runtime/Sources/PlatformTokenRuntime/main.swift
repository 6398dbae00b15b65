import ServiceSupport
import TokenRuntime

ConcurrencyExecutor.useEventLoops()

/// Runs the command (top-level code would pick ArgumentParser's synchronous `main()`).
func runCommand() async {
    await PlatformTokenRuntimeCommand.main()
}
await runCommand()
