import Foundation
import Testing

/// The admin console in a real browser (Tests/browser/admin_console_check.py: headless Chromium
/// through selenium) against the real executables: a runtime, a gateway and a mock upstream with
/// prices, so a token issued in the console and used with the OpenAI SDK has spend to show, and
/// its revocation in the console is seen by the gateway.
///
/// Needs `LJQ_PYTHON` (with the openai and selenium packages) and `LJQ_CHROMEDRIVER` (Debian's
/// chromium-driver); scripts/ci/repo_integrity_check.sh installs them, runs this and fails
/// unless it passed. `LJQ_SCREENSHOTS` picks where the screenshots go (default: the stack's
/// temporary folder; `docs/images` refreshes the README's).
@Suite struct AdminConsoleBrowserTests {
    static let environment = ProcessInfo.processInfo.environment

    @Test(
        .enabled(
            if: !(environment["LJQ_PYTHON"] ?? "").isEmpty && !(environment["LJQ_CHROMEDRIVER"] ?? "").isEmpty,
            "set LJQ_PYTHON (with openai and selenium) and LJQ_CHROMEDRIVER"),
        .timeLimit(.minutes(3)))
    func theConsoleInARealBrowser() async throws {
        let python = URL(fileURLWithPath: try #require(Self.environment["LJQ_PYTHON"]))
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        let script = tests.appendingPathComponent("browser/admin_console_check.py")
        try #require(FileManager.default.fileExists(atPath: script.path), "missing \(script.path)")
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let prices = ["mock-echo": ["input_per_mtok": "2", "output_per_mtok": "8"]]
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "priced", port: upstream.port, prices: prices)])
            let screenshots =
                Self.environment["LJQ_SCREENSHOTS"].flatMap { $0.isEmpty ? nil : $0 }
                ?? stack.directory.appendingPathComponent("screenshots").path
            var environment = [
                "LJQ_RUNTIME_URL": runtime.baseURL, "LJQ_GATEWAY_BASE_URL": gateway.baseURL + "/v1", "LJQ_ADMIN_KEY": TestStack.adminKey,
                "LJQ_CHROMEDRIVER": Self.environment["LJQ_CHROMEDRIVER"] ?? "", "LJQ_SCREENSHOTS": screenshots, "PYTHONUNBUFFERED": "1",
                // Chromium needs a writable home for its profile.
                "HOME": stack.directory.path,
            ]
            if let chromium = Self.environment["LJQ_CHROMIUM"] { environment["LJQ_CHROMIUM"] = chromium }
            let check = try stack.launch("browser-check", executableURL: python, arguments: [script.path], environment: environment)
            let status = await check.waitForExit(timeout: .seconds(150))
            #expect(status == 0, stack.logs("the browser check failed or timed out (screenshots in \(screenshots))"))
            #expect(check.stdout.contains("BROWSER OK"), stack.logs)
        }
    }
}
