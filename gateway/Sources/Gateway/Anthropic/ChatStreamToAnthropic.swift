import NIOCore

/// Turns an OpenAI chat completion stream into an Anthropic Messages stream as it arrives, for an
/// Anthropic client of an OpenAI-compatible provider. Feed it the provider's bytes (``feed(_:)``)
/// or one `data:` payload at a time (``feed(data:)``); write what each call returns right away.
/// Nothing waits for the end but the `message_delta`, which needs the usage that OpenAI sends
/// after `finish_reason` (the request asks for it: ``AnthropicRequestToChat``).
///
/// - The first chunk: `message_start` (usage so far: the `inputTokens` estimate given), then a `ping`.
/// - Content: a text block opened on the first non-empty content, a `text_delta` per chunk.
/// - Tool calls: each new tool call `index` closes the open block and opens a `tool_use` block
///   (`id`, `name`, `input: {}`); each arguments fragment is an `input_json_delta`, in order, so
///   the fragments joined are the arguments as the provider sent them. A fragment for a call
///   whose block was closed (a provider interleaving calls) goes out at that block's index, with a
///   note: nothing is dropped.
/// - `finish_reason` closes the open block; the usage chunk (or `[DONE]`, or the end) sends
///   `message_delta` (stop reason, and the whole usage: cumulative, input figures included) and
///   `message_stop`.
/// - `{"error":...}` in the stream, or a stream cut before `finish_reason`: an `error` event.
struct ChatStreamToAnthropic: Sendable {
    private let model: String?
    private let messageID: String?
    private let inputTokens: Int
    private var parser = SSEParser()
    private var started = false
    /// `message_stop` or an `error` event went out: nothing more will.
    private(set) var ended = false
    private var nextBlock = 0
    private var openBlock: Int?
    private var textBlock: Int?
    /// The provider's tool call index -> the Anthropic block index.
    private var toolBlocks: [Int: Int] = [:]
    private var lastToolIndex: Int?
    private var lastToolID: String?
    private var finishReason: String?
    private var matchedStop: String?
    private var finished = false
    private var sawDone = false
    /// The provider's usage, once its chunk arrived.
    private(set) var usage: OpenAIUsage?
    /// The usage to charge (the provider's figures), once known.
    var gatewayUsage: Usage? { usage?.gatewayUsage }
    private(set) var notes: [TranslationNote] = []

    /// `model`: the name to answer with (the client's), the provider's when nil. `messageID`: the
    /// provider's chunk id when nil. `inputTokens`: message_start's input figure (an estimate; the
    /// real one goes in message_delta).
    init(model: String? = nil, messageID: String? = nil, inputTokens: Int = 0) {
        self.model = model
        self.messageID = messageID
        self.inputTokens = inputTokens
    }

    /// Bytes from the provider, any split: the Anthropic events they complete.
    mutating func feed(_ bytes: ByteBuffer) -> ByteBuffer {
        var output = ByteBuffer()
        for event in parser.feed(bytes.readableBytesView) { translate(data: event.data, into: &output) }
        return output
    }

    /// One `data:` payload (a JSON chunk or `[DONE]`).
    mutating func feed(data: String) -> ByteBuffer {
        var output = ByteBuffer()
        translate(data: data, into: &output)
        return output
    }

    /// The provider's stream ended: what is still owed (the end of the message, or an `error`
    /// event when it was cut before its `finish_reason`).
    mutating func finish() -> ByteBuffer {
        var output = ByteBuffer()
        guard !ended else { return output }
        if finished || sawDone {
            end(into: &output)
        } else {
            fail(type: "api_error", message: "The provider's stream ended before the answer was complete.", into: &output)
        }
        return output
    }

    /// The provider failed mid-stream (a transport error): an `error` event, and nothing after it.
    mutating func fail(type: String = "api_error", message: String) -> ByteBuffer {
        var output = ByteBuffer()
        if !ended { fail(type: type, message: message, into: &output) }
        return output
    }

    private mutating func translate(data: String, into output: inout ByteBuffer) {
        guard !ended else { return }
        if data.trimmingPrefix(while: \.isWhitespace).hasPrefix("[DONE]") {
            sawDone = true
            end(into: &output)
            return
        }
        guard let chunk = try? WireJSON.decode(OpenAIChatChunk.self, from: data) else { return }
        if let error = chunk.error {
            let body = error.objectValue
            let message = body?["message"]?.stringValue ?? "The provider failed."
            let type = body?["type"]?.stringValue.flatMap(Self.anthropicErrorType) ?? "api_error"
            fail(type: type, message: message, into: &output)
            return
        }
        if !started { start(chunk, into: &output) }
        for choice in chunk.choices where choice.index == 0 {
            if let text = choice.delta.content, !text.isEmpty { appendText(text, into: &output) }
            if let refusal = choice.delta.refusal, !refusal.isEmpty { appendText(refusal, into: &output) }
            for call in choice.delta.toolCalls ?? [] { appendToolCall(call, into: &output) }
            if let reason = choice.finishReason, !finished {
                finished = true
                finishReason = reason
                matchedStop = choice.matchedStop
                closeOpenBlock(into: &output)
            }
        }
        if let usage = chunk.usage {
            self.usage = usage
            if finished { end(into: &output) }
        }
    }

    private mutating func start(_ chunk: OpenAIChatChunk, into output: inout ByteBuffer) {
        started = true
        let usage = chunk.usage.map(\.anthropic) ?? AnthropicUsage(inputTokens: inputTokens, outputTokens: 0)
        let message = AnthropicMessage(
            id: messageID ?? chunk.id, content: [], model: model ?? chunk.model, stopReason: nil, usage: usage)
        AnthropicStreamEvent.messageStart(message).write(to: &output)
        // As Anthropic does: a keep-alive right after message_start (SDKs skip it).
        AnthropicStreamEvent.ping.write(to: &output)
    }

    private mutating func appendText(_ text: String, into output: inout ByteBuffer) {
        if textBlock == nil || openBlock != textBlock {
            closeOpenBlock(into: &output)
            let index = openNewBlock(.text(""), into: &output)
            textBlock = index
        }
        AnthropicStreamEvent.contentBlockDelta(index: textBlock!, delta: .text(text)).write(to: &output)
    }

    private mutating func appendToolCall(_ call: OpenAIToolCallDelta, into output: inout ByteBuffer) {
        // A provider without `index` sends each call whole, or its id then fragments: a new id is a new call.
        let toolIndex: Int
        if let index = call.index {
            toolIndex = index
        } else if let last = lastToolIndex, call.id == nil || call.id == lastToolID {
            toolIndex = last
        } else {
            toolIndex = (toolBlocks.keys.max() ?? -1) + 1
        }
        if let id = call.id { lastToolID = id }
        lastToolIndex = toolIndex
        let block: Int
        if let existing = toolBlocks[toolIndex] {
            block = existing
        } else {
            closeOpenBlock(into: &output)
            let id = call.id ?? "toolu_\(messageID ?? "gw")_\(toolIndex)"
            block = openNewBlock(.toolUse(id: id, name: call.function?.name ?? "", input: .emptyObject), into: &output)
            toolBlocks[toolIndex] = block
        }
        guard let fragment = call.function?.arguments, !fragment.isEmpty else { return }
        if openBlock != block {
            notes.append(.outOfOrder("arguments for tool call \(toolIndex) after its block was closed"))
        }
        AnthropicStreamEvent.contentBlockDelta(index: block, delta: .inputJSON(fragment)).write(to: &output)
    }

    private mutating func openNewBlock(_ block: AnthropicContentBlock, into output: inout ByteBuffer) -> Int {
        let index = nextBlock
        nextBlock += 1
        openBlock = index
        AnthropicStreamEvent.contentBlockStart(index: index, block: block).write(to: &output)
        return index
    }

    private mutating func closeOpenBlock(into output: inout ByteBuffer) {
        guard let index = openBlock else { return }
        openBlock = nil
        AnthropicStreamEvent.contentBlockStop(index: index).write(to: &output)
    }

    /// message_delta and message_stop (message_start first when the stream had nothing else).
    private mutating func end(into output: inout ByteBuffer) {
        guard !ended else { return }
        if !started { start(OpenAIChatChunk(id: messageID ?? "msg_gateway", created: 0, model: model ?? "", choices: []), into: &output) }
        closeOpenBlock(into: &output)
        ended = true
        let stopReason = StopReasons.anthropic(finishReason: finishReason, matchedStop: matchedStop, hasToolCalls: !toolBlocks.isEmpty)
        let final = usage?.anthropic
        let delta = AnthropicDeltaUsage(
            outputTokens: final?.outputTokens ?? 0, inputTokens: final?.inputTokens,
            cacheCreationInputTokens: final?.cacheCreationInputTokens, cacheReadInputTokens: final?.cacheReadInputTokens)
        AnthropicStreamEvent.messageDelta(
            stopReason: stopReason, stopSequence: stopReason == "stop_sequence" ? matchedStop : nil, usage: delta
        ).write(to: &output)
        AnthropicStreamEvent.messageStop.write(to: &output)
    }

    private mutating func fail(type: String, message: String, into output: inout ByteBuffer) {
        ended = true
        AnthropicStreamEvent.error(.init(type: type, message: message)).write(to: &output)
    }

    /// An OpenAI error type as Anthropic's, when one maps.
    static func anthropicErrorType(_ openAIType: String) -> String? {
        switch openAIType {
        case "invalid_request_error": "invalid_request_error"
        case "authentication_error": "authentication_error"
        case "permission_error": "permission_error"
        case "rate_limit_exceeded", "rate_limit_error", "tokens": "rate_limit_error"
        case "insufficient_quota": "billing_error"
        case "overloaded_error", "server_overloaded": "overloaded_error"
        default: nil
        }
    }
}
