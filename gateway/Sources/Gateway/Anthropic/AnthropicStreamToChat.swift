import NIOCore

/// Turns an Anthropic Messages stream into an OpenAI chat completion stream as it arrives, for an
/// OpenAI client of an Anthropic provider. Feed it the provider's bytes (``feed(_:)``) or one
/// event's `data:` at a time (``feed(data:)``); write what each call returns right away.
///
/// - `message_start`: the role chunk (`"delta":{"role":"assistant","content":""}`).
/// - `text_delta`: a `content` chunk each.
/// - A `tool_use` block: a `tool_calls` chunk with the call's OpenAI `index` (counted over tool
///   calls only), `id`, `type` and `function.name` (`arguments: ""`); each `input_json_delta` an
///   arguments fragment at that index, in order; a call that got none gets `"{}"` at its block's end.
/// - `message_delta`: the `finish_reason` chunk (``StopReasons``).
/// - `message_stop`: the usage chunk (`"choices":[]`) when the client asked for it
///   (`stream_options.include_usage`), then `data: [DONE]`.
/// - `error`, or a stream cut before its `message_delta`: `data: {"error":{...}}`, which OpenAI's
///   SDKs raise, and nothing after it. `ping` and blocks with no equivalent (`thinking`) are skipped.
struct AnthropicStreamToChat: Sendable {
    private let created: Int
    private let includeUsage: Bool
    private let model: String?
    private var parser = SSEParser()
    private var id = ""
    private var upstreamModel = ""
    private var started = false
    private var finishSent = false
    private(set) var ended = false
    /// The Anthropic block index -> the OpenAI tool call index.
    private var toolCalls: [Int: Int] = [:]
    /// The tool calls (Anthropic block indexes) that got arguments.
    private var toolCallsWithArguments: Set<Int> = []
    /// Cumulative, as the provider reported it (message_start, then message_delta's totals).
    private(set) var usage: AnthropicUsage?
    /// The usage to charge (the provider's figures in OpenAI's convention), once the stream started.
    var gatewayUsage: Usage? { usage?.openAI.gatewayUsage }
    private(set) var notes: [TranslationNote] = []

    /// `created`: the chunks' Unix time. `includeUsage`: the client's `stream_options.include_usage`.
    /// `model`: the name to answer with (the client's), the provider's when nil.
    init(created: Int, includeUsage: Bool, model: String? = nil) {
        self.created = created
        self.includeUsage = includeUsage
        self.model = model
    }

    /// Bytes from the provider, any split: the chunks they complete.
    mutating func feed(_ bytes: ByteBuffer) -> ByteBuffer {
        var output = ByteBuffer()
        for event in parser.feed(bytes.readableBytesView) { translate(data: event.data, into: &output) }
        return output
    }

    /// One event's `data:` (its JSON names its type).
    mutating func feed(data: String) -> ByteBuffer {
        var output = ByteBuffer()
        translate(data: data, into: &output)
        return output
    }

    /// The provider's stream ended: the end of the completion, or an error chunk when it was cut
    /// before its `message_delta`.
    mutating func finish() -> ByteBuffer {
        var output = ByteBuffer()
        guard !ended else { return output }
        if finishSent {
            end(into: &output)
        } else {
            fail(type: "server_error", message: "The provider's stream ended before the answer was complete.", into: &output)
        }
        return output
    }

    /// The provider failed mid-stream (a transport error): an error chunk, and nothing after it.
    mutating func fail(type: String = "server_error", message: String) -> ByteBuffer {
        var output = ByteBuffer()
        if !ended { fail(type: type, message: message, into: &output) }
        return output
    }

    private mutating func translate(data: String, into output: inout ByteBuffer) {
        guard !ended, let event = try? WireJSON.decode(AnthropicStreamEvent.self, from: data) else { return }
        switch event {
        case .messageStart(let message):
            started = true
            id = message.id
            upstreamModel = message.model
            usage = message.usage
            write(.init(role: "assistant", content: ""), into: &output)
        case .contentBlockStart(let index, let block):
            switch block {
            case .text(let text): if !text.isEmpty { write(.init(content: text), into: &output) }
            case .toolUse(let id, let name, let input):
                let callIndex = toolCalls.count
                toolCalls[index] = callIndex
                let arguments = input == .emptyObject ? "" : input.jsonText
                if !arguments.isEmpty { toolCallsWithArguments.insert(index) }
                write(.init(toolCalls: [.init(index: callIndex, id: id, type: "function", name: name, arguments: arguments)]), into: &output)
            default:
                notes.append(.droppedContent("stream block '\(block.type)'"))
            }
        case .contentBlockDelta(let index, let delta):
            switch delta {
            case .text(let text): if !text.isEmpty { write(.init(content: text), into: &output) }
            case .inputJSON(let partial):
                guard let callIndex = toolCalls[index], !partial.isEmpty else { return }
                toolCallsWithArguments.insert(index)
                write(.init(toolCalls: [.init(index: callIndex, arguments: partial)]), into: &output)
            case .other: break  // thinking, signature, citations
            }
        case .contentBlockStop(let index):
            // A tool without parameters gets no input_json_delta: its arguments are "{}", not "",
            // which clients would fail to parse.
            if let callIndex = toolCalls[index], !toolCallsWithArguments.contains(index) {
                toolCallsWithArguments.insert(index)
                write(.init(toolCalls: [.init(index: callIndex, arguments: "{}")]), into: &output)
            }
        case .ping: break
        case .messageDelta(let stopReason, _, let delta):
            var total = usage ?? AnthropicUsage(inputTokens: 0, outputTokens: 0)
            total.outputTokens = delta.outputTokens
            if let input = delta.inputTokens { total.inputTokens = input }
            if let read = delta.cacheReadInputTokens { total.cacheReadInputTokens = read }
            if let write = delta.cacheCreationInputTokens { total.cacheCreationInputTokens = write }
            usage = total
            if !finishSent {
                finishSent = true
                write(.init(), finishReason: StopReasons.openAI(stopReason: stopReason), into: &output)
            }
        case .messageStop:
            end(into: &output)
        case .error(let body):
            fail(type: AnthropicError(type: body.type, message: body.message).openAIType, message: body.message, into: &output)
        }
    }

    private func chunk(_ choices: [OpenAIChatChunk.Choice], usage: OpenAIUsage? = nil) -> OpenAIChatChunk {
        OpenAIChatChunk(id: id, created: created, model: model ?? upstreamModel, choices: choices, usage: usage)
    }

    private func write(_ delta: OpenAIChatChunk.Delta, finishReason: String? = nil, into output: inout ByteBuffer) {
        chunk([.init(delta: delta, finishReason: finishReason)]).write(to: &output)
    }

    private mutating func end(into output: inout ByteBuffer) {
        guard !ended else { return }
        ended = true
        if !finishSent {
            finishSent = true
            write(.init(), finishReason: "stop", into: &output)
        }
        if includeUsage { chunk([], usage: (usage ?? AnthropicUsage(inputTokens: 0, outputTokens: 0)).openAI).write(to: &output) }
        output.writeString(OpenAIChatChunk.done)
    }

    private mutating func fail(type: String, message: String, into output: inout ByteBuffer) {
        ended = true
        output.writeString("data: ")
        output.writeBytes(WireJSON.bytes(OpenAIError.Envelope(error: .init(message: message, type: type, param: nil, code: nil))))
        output.writeString("\n\n")
    }
}
