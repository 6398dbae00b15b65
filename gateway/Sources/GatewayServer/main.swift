import ServiceSupport

ConcurrencyExecutor.useEventLoops()

/// Runs the command (top-level code would pick ArgumentParser's synchronous `main()`).
func runCommand() async {
    await GatewayCommand.main()
}
await runCommand()
