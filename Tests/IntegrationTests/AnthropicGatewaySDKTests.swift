import Foundation
import Testing

/// The official Anthropic and OpenAI Python SDKs, unchanged, against the live gateway both ways
/// (Tests/sdk/anthropic_sdk_gateway_check.py): Anthropic clients of an `anthropic` provider
/// (native) and of an OpenAI-compatible one (translated), OpenAI clients of an `anthropic`
/// provider (translated). Real executables: token runtime, gateway, an OpenAI mock upstream and
/// two Anthropic mock upstreams (one answering 400 to everything).
@Suite struct AnthropicGatewaySDKTests {
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LJQ_PYTHON"].map { !$0.isEmpty } ?? false,
            "set LJQ_PYTHON to a Python interpreter that has the anthropic and openai packages"),
        .timeLimit(.minutes(3)))
    func anthropicAndOpenAISDKsThroughTheGatewayBothWays() async throws {
        let python = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_PYTHON"]))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sdk/anthropic_sdk_gateway_check.py")
        try #require(FileManager.default.fileExists(atPath: script.path), "missing \(script.path)")
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let openAIStart = stack.mockUpstream("mock-openai", models: ["mock-echo"])
            async let claudeStart = stack.mockUpstream("mock-anthropic", models: ["claude-mock"], anthropic: true)
            async let brokenStart = stack.mockUpstream("mock-anthropic-400", models: ["claude-broken"], failStatus: 400, anthropic: true)
            let (runtime, openAI, claude, broken) = try await (runtimeStart, openAIStart, claudeStart, brokenStart)
            let gateway = try await stack.gateway(
                runtime: runtime,
                providers: [
                    ProviderEntry(name: "openai-mock", port: openAI.port, models: ["mock-echo"]),
                    ProviderEntry(name: "claude", port: claude.port, models: ["claude-mock"], type: "anthropic"),
                    ProviderEntry(name: "claude-broken", port: broken.port, models: ["claude-broken"], type: "anthropic"),
                ])
            let token = try await runtime.issue(subject: "sdks-both-ways").token
            let check = try stack.launch(
                "gateway-sdks-check", executableURL: python, arguments: [script.path],
                environment: [
                    "LJQ_GATEWAY_BASE_URL": gateway.baseURL, "LJQ_TOKEN": token, "LJQ_ANTHROPIC_MODELS": "claude-mock,mock-echo",
                    "LJQ_OPENAI_TO_ANTHROPIC_MODEL": "claude-mock", "LJQ_BROKEN_MODEL": "claude-broken", "PYTHONUNBUFFERED": "1",
                ])
            let status = await check.waitForExit(timeout: .seconds(120))
            #expect(status == 0, stack.logs("the SDK check failed or timed out"))
            #expect(check.stdout.contains("GATEWAY SDKS OK"), stack.logs)
        }
    }
}
