import Foundation
import NIOCore
import Testing
@testable import Gateway

/// The official Anthropic and OpenAI Python SDKs read what the translators write
/// (Tests/sdk/anthropic_wire_check.py: their stream accumulators, error classes and usage types).
@Suite struct AnthropicSDKWireTests {
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LJQ_ANTHROPIC_PYTHON"].map { !$0.isEmpty } ?? false,
            "set LJQ_ANTHROPIC_PYTHON to a Python interpreter that has the anthropic and openai packages"),
        .timeLimit(.minutes(1)))
    func theSDKsReadTheTranslatedAnswers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("anthropic-wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func write(_ name: String, _ buffers: [ByteBuffer]) throws {
            var all = ByteBuffer()
            for var buffer in buffers { all.writeBuffer(&buffer) }
            try Data(all.readableBytesView).write(to: folder.appendingPathComponent(name))
        }

        var toAnthropic = ChatStreamToAnthropic(model: "claude-sonnet-4-5", inputTokens: 900)
        try write("anthropic_stream.sse", AnthropicChatStreamTests.mixed.map { toAnthropic.feed(data: $0) } + [toAnthropic.finish()])
        var failing = ChatStreamToAnthropic(model: "m")
        try write(
            "anthropic_stream_error.sse",
            [failing.feed(data: AnthropicChatStreamTests.chunk(#"{"content":"Hi"}"#)), failing.fail(type: "overloaded_error", message: "Overloaded")])
        let completion = try WireJSON.decode(
            OpenAIChatCompletion.self,
            from: AnthropicChatResponseTests.completion(
                message: #"{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}"#,
                finish: "tool_calls",
                usage: #"{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,"prompt_tokens_details":{"cached_tokens":800}}"#))
        try write("anthropic_message.json", [WireJSON.buffer(ChatCompletionToAnthropic.translate(completion).value)])
        try write("anthropic_error.json", [WireJSON.buffer(AnthropicError(status: 429, message: "slow down", requestID: "req_1"))])

        var toChat = AnthropicStreamToChat(created: 1_700_000_000, includeUsage: true)
        try write("openai_stream.sse", AnthropicUpstreamStreamTests.mixed.map { toChat.feed(data: $0) } + [toChat.finish()])
        var chatFailing = AnthropicStreamToChat(created: 1, includeUsage: true)
        try write(
            "openai_stream_error.sse",
            [
                chatFailing.feed(data: AnthropicUpstreamStreamTests.mixed[0]),
                chatFailing.feed(data: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
            ])
        let message = try WireJSON.decode(
            AnthropicMessage.self,
            from: #"{"id":"msg_01","type":"message","role":"assistant","model":"claude","stop_reason":"tool_use","stop_sequence":null,"content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":3}}],"usage":{"input_tokens":50,"output_tokens":30,"cache_read_input_tokens":900,"cache_creation_input_tokens":100}}"#)
        try write("openai_completion.json", [WireJSON.buffer(AnthropicMessageToChat.translate(message, created: 1).value)])

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sdk/anthropic_wire_check.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_ANTHROPIC_PYTHON"]))
        process.arguments = [script.path, folder.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(printed)")
        #expect(printed.contains("SDK OK"), "\(printed)")
    }
}
