/// An Anthropic Messages request as an OpenAI chat request, for an Anthropic client of an
/// OpenAI-compatible provider.
///
/// - `system` (a string or text blocks, joined by a newline) is the first message, role `system`.
/// - A user turn's `tool_result` blocks become `tool` messages (`tool_call_id`, the result's text;
///   images in a result follow in a user message, as OpenAI tool messages take only text), then
///   the rest of the turn is one user message: a string for a single text block, content parts
///   (`text`, `image_url` with a `data:` URL for base64 images) otherwise.
/// - An assistant turn's text is its `content`, its `tool_use` blocks its `tool_calls` (the input
///   as a JSON string).
/// - `max_tokens` -> `max_completion_tokens` (or `max_tokens`: ``MaxTokensField``),
///   `stop_sequences` -> `stop`, `metadata.user_id` -> `user`, `stream` -> `stream` with
///   `stream_options.include_usage` (the translator needs the usage for the final
///   `message_delta`), `tool_choice` and `disable_parallel_tool_use` -> `tool_choice` and
///   `parallel_tool_calls`. `top_k`, `thinking` and server tools are dropped with a note; so are
///   block types with no equivalent (`document`, `thinking`), and a `tool_result`'s `is_error`.
enum AnthropicRequestToChat {
    /// Where the maximum goes: OpenAI's current `max_completion_tokens`, or the older `max_tokens`
    /// that many OpenAI-compatible servers still expect.
    enum MaxTokensField: Sendable {
        case maxCompletionTokens
        case maxTokens
    }

    static func translate(_ request: AnthropicMessagesRequest, maxTokensField: MaxTokensField = .maxCompletionTokens)
        -> Translated<OpenAIChatRequest>
    {
        var notes: [TranslationNote] = []
        var messages: [OpenAIChatRequest.Message] = []
        if let system = request.system {
            for block in system.blocks where block.type != "text" { notes.append(.droppedContent("system block '\(block.type)'")) }
            messages.append(.init(role: "system", content: .text(system.joinedText)))
        }
        for message in request.messages {
            if message.role == "assistant" {
                if let translated = assistant(message.content, notes: &notes) { messages.append(translated) }
            } else {
                messages.append(contentsOf: user(message.content, notes: &notes))
            }
        }

        var chat = OpenAIChatRequest(model: request.model, messages: messages)
        switch maxTokensField {
        case .maxCompletionTokens: chat.maxCompletionTokens = request.maxTokens
        case .maxTokens: chat.maxTokens = request.maxTokens
        }
        chat.temperature = request.temperature
        chat.topP = request.topP
        if request.topK != nil { notes.append(.droppedParameter("top_k")) }
        if request.thinking != nil { notes.append(.droppedParameter("thinking")) }
        if let stops = request.stopSequences, !stops.isEmpty { chat.stop = stops }
        chat.user = request.metadata?.userID
        if request.stream == true {
            chat.stream = true
            chat.streamOptions = .init(includeUsage: true)
        }
        if let tools = request.tools {
            var functions: [OpenAIChatRequest.Tool] = []
            for tool in tools {
                guard tool.isClientTool else {
                    notes.append(.droppedContent("server tool '\(tool.name)' (\(tool.type ?? ""))"))
                    continue
                }
                functions.append(.init(function: .init(name: tool.name, description: tool.description, parameters: tool.inputSchema)))
            }
            if !functions.isEmpty { chat.tools = functions }
        }
        // OpenAI refuses a tool_choice without tools (a server tool dropped above can leave none).
        if let choice = request.toolChoice, chat.tools == nil {
            notes.append(.droppedParameter("tool_choice (\(choice.openAIName)) without tools"))
        } else if let choice = request.toolChoice {
            switch choice {
            case .auto: chat.toolChoice = .auto
            case .any: chat.toolChoice = .required
            case .tool(let name, _): chat.toolChoice = .function(name: name)
            case .none: chat.toolChoice = OpenAIToolChoice.none
            }
            if choice.disableParallelToolUse == true, chat.tools != nil { chat.parallelToolCalls = false }
        }
        return Translated(value: chat, notes: notes)
    }

    static func user(_ content: AnthropicContent, notes: inout [TranslationNote]) -> [OpenAIChatRequest.Message] {
        guard case .blocks(let blocks) = content else { return [.init(role: "user", content: content.openAIText)] }
        var messages: [OpenAIChatRequest.Message] = []
        var parts: [OpenAIMessageContent.Part] = []
        var resultImages: [OpenAIMessageContent.Part] = []
        for block in blocks {
            switch block {
            case .text(let text): parts.append(.text(text))
            case .image(let source):
                if let part = imagePart(source) { parts.append(part) } else { notes.append(.droppedContent("image source")) }
            case .toolResult(let id, let resultContent, let isError):
                if isError == true { notes.append(.droppedParameter("is_error of tool result '\(id)'")) }
                var texts: [String] = []
                for item in resultContent?.blocks ?? [] {
                    switch item {
                    case .text(let text): texts.append(text)
                    case .image(let source):
                        if let part = imagePart(source) {
                            resultImages.append(part)
                            notes.append(.reshaped("an image in tool result '\(id)' moved to a user message"))
                        }
                    default: notes.append(.droppedContent("tool result block '\(item.type)'"))
                    }
                }
                messages.append(.init(role: "tool", content: .text(texts.joined(separator: "\n")), toolCallID: id))
            case .toolUse: notes.append(.droppedContent("a tool_use block in a user turn"))
            case .other(let type, _): notes.append(.droppedContent("content block '\(type)'"))
            }
        }
        if !resultImages.isEmpty { messages.append(.init(role: "user", content: .parts(resultImages))) }
        if !parts.isEmpty {
            if parts.count == 1, case .text(let text) = parts[0] {
                messages.append(.init(role: "user", content: .text(text)))
            } else {
                messages.append(.init(role: "user", content: .parts(parts)))
            }
        }
        return messages
    }

    static func assistant(_ content: AnthropicContent, notes: inout [TranslationNote]) -> OpenAIChatRequest.Message? {
        guard case .blocks(let blocks) = content else { return .init(role: "assistant", content: content.openAIText) }
        var texts: [String] = []
        var calls: [OpenAIToolCall] = []
        for block in blocks {
            switch block {
            case .text(let text): texts.append(text)
            case .toolUse(let id, let name, let input): calls.append(OpenAIToolCall(id: id, name: name, arguments: input.jsonText))
            default: notes.append(.droppedContent("assistant block '\(block.type)'"))
            }
        }
        guard !texts.isEmpty || !calls.isEmpty else {
            notes.append(.reshaped("an assistant turn with nothing to carry was left out"))
            return nil
        }
        return .init(role: "assistant", content: texts.isEmpty ? nil : .text(texts.joined()), toolCalls: calls.isEmpty ? nil : calls)
    }

    /// An image source as an `image_url` part: base64 as a `data:` URL, a URL as it is.
    static func imagePart(_ source: AnthropicImageSource) -> OpenAIMessageContent.Part? {
        switch source {
        case .base64(let mediaType, let data): .imageURL(url: "data:\(mediaType);base64,\(data)", detail: nil)
        case .url(let url): .imageURL(url: url, detail: nil)
        case .other: nil
        }
    }
}

extension AnthropicToolChoice {
    fileprivate var openAIName: String {
        switch self {
        case .auto: "auto"
        case .any: "any"
        case .tool(let name, _): "tool \(name)"
        case .none: "none"
        }
    }
}

extension AnthropicContent {
    fileprivate var openAIText: OpenAIMessageContent { .text(joinedText) }
}
