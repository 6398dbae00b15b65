import Foundation
import Testing

/// The official Anthropic Python SDK, unchanged, against `gateway mock-upstream --anthropic`
/// (Tests/sdk/anthropic_sdk_mock_check.py): the mock answers in shapes the SDK parses.
@Suite struct AnthropicMockSDKTests {
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LJQ_PYTHON"].map { !$0.isEmpty } ?? false,
            "set LJQ_PYTHON to a Python interpreter that has the anthropic package"),
        .timeLimit(.minutes(2)))
    func anthropicPythonSDKAgainstTheMock() async throws {
        let python = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_PYTHON"]))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sdk/anthropic_sdk_mock_check.py")
        try #require(FileManager.default.fileExists(atPath: script.path), "missing \(script.path)")
        try await TestStack.run { stack in
            async let answeringStart = stack.mockUpstream("mock-anthropic", models: ["claude-mock"], anthropic: true)
            async let failingStart = stack.mockUpstream("mock-anthropic-529", models: ["claude-mock"], failStatus: 529, anthropic: true)
            let (answering, failing) = try await (answeringStart, failingStart)
            let check = try stack.launch(
                "anthropic-sdk-check", executableURL: python, arguments: [script.path],
                environment: [
                    "LJQ_ANTHROPIC_BASE_URL": "http://127.0.0.1:\(answering.port)", "LJQ_FAIL_BASE_URL": "http://127.0.0.1:\(failing.port)",
                    "PYTHONUNBUFFERED": "1",
                ])
            let status = await check.waitForExit(timeout: .seconds(90))
            #expect(status == 0, stack.logs("the Anthropic SDK check failed or timed out"))
            #expect(check.stdout.contains("ANTHROPIC SDK OK"), stack.logs)
        }
    }
}
