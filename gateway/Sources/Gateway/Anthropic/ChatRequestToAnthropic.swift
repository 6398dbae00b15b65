/// An OpenAI chat request as an Anthropic Messages request, for an OpenAI client of an Anthropic
/// provider.
///
/// - `system` and `developer` messages, wherever they are, become `system` (one text block each;
///   a note when one comes after the conversation started).
/// - `tool` messages become `tool_result` blocks (`tool_use_id` from `tool_call_id`) in a user turn;
///   an assistant's `tool_calls` become `tool_use` blocks (`input` parsed from `arguments`; `{}` with
///   a note when they are not a JSON object).
/// - Consecutive turns of the same role are merged, as Anthropic requires alternating turns, with
///   a user turn's `tool_result` blocks first; empty text is left out (Anthropic refuses it).
/// - `image_url` parts: a `data:` URL becomes a base64 source, any other URL a URL source.
/// - `max_completion_tokens`, else `max_tokens`, else ``defaultMaxTokens`` (Anthropic requires
///   one); `temperature` clamped to Anthropic's 0...1; `stop` -> `stop_sequences`; `user` ->
///   `metadata.user_id`; `tools`, `tool_choice` (`required` -> `any`) and `parallel_tool_calls:
///   false` -> `disable_parallel_tool_use`. `stream_options` is the stream translator's business
///   (``AnthropicStreamToChat``): Anthropic always streams usage. `n`, `response_format`,
///   `logprobs`, penalties, `seed`, `logit_bias`, `reasoning_effort` are dropped with a note.
enum ChatRequestToAnthropic {
    /// `max_tokens` when the OpenAI request sets no maximum: Anthropic requires one, OpenAI's
    /// default is the model's limit. 4096 fits every current Claude model's output limit.
    static let defaultMaxTokens = 4096

    static func translate(_ request: OpenAIChatRequest, defaultMaxTokens: Int = defaultMaxTokens) -> Translated<AnthropicMessagesRequest> {
        var notes: [TranslationNote] = []
        var system: [AnthropicContentBlock] = []
        var turns: [(role: String, blocks: [AnthropicContentBlock])] = []
        func append(_ role: String, _ blocks: [AnthropicContentBlock]) {
            guard !blocks.isEmpty else { return }
            if turns.last?.role == role {
                turns[turns.count - 1].blocks.append(contentsOf: blocks)
            } else {
                turns.append((role, blocks))
            }
        }

        for message in request.messages {
            switch message.role {
            case "system", "developer":
                if !turns.isEmpty { notes.append(.reshaped("a \(message.role) message after the first turn moved to system")) }
                let text = text(of: message.content)
                if !text.isEmpty { system.append(.text(text)) }
            case "assistant":
                var blocks = textBlocks(message.content, notes: &notes)
                for call in message.toolCalls ?? [] {
                    let input = ChatCompletionToAnthropic.toolInput(call.function.arguments, id: call.id, notes: &notes)
                    blocks.append(.toolUse(id: call.id, name: call.function.name, input: input))
                }
                if blocks.isEmpty { notes.append(.reshaped("an assistant message with nothing to carry was left out")) }
                append("assistant", blocks)
            case "tool":
                let text = text(of: message.content)
                append("user", [.toolResult(toolUseID: message.toolCallID ?? "", content: text.isEmpty ? nil : .text(text), isError: nil)])
            case "user":
                append("user", userBlocks(message.content, notes: &notes))
            default:
                notes.append(.droppedContent("a '\(message.role)' message"))
            }
        }

        let messages = turns.map { turn -> AnthropicMessagesRequest.Message in
            var blocks = turn.blocks
            if turn.role == "user" {  // tool results first
                blocks = blocks.filter { $0.type == "tool_result" } + blocks.filter { $0.type != "tool_result" }
            }
            if blocks.count == 1, case .text(let text) = blocks[0] { return .init(role: turn.role, content: .text(text)) }
            return .init(role: turn.role, content: .blocks(blocks))
        }

        var anthropic = AnthropicMessagesRequest(
            model: request.model, messages: messages, maxTokens: request.maxCompletionTokens ?? request.maxTokens ?? defaultMaxTokens)
        if system.count == 1, case .text(let text) = system[0] {
            anthropic.system = .text(text)
        } else if !system.isEmpty {
            anthropic.system = .blocks(system)
        }
        if let temperature = request.temperature {
            let clamped = min(max(temperature, 0), 1)
            if clamped != temperature { notes.append(.clamped(parameter: "temperature", from: temperature, to: clamped)) }
            anthropic.temperature = clamped
        }
        anthropic.topP = request.topP
        if let stop = request.stop, !stop.isEmpty { anthropic.stopSequences = stop }
        if let user = request.user { anthropic.metadata = .init(userID: user) }
        if request.stream == true { anthropic.stream = true }
        if let tools = request.tools, !tools.isEmpty {
            anthropic.tools = tools.map {
                .init(
                    name: $0.function.name, description: $0.function.description,
                    inputSchema: $0.function.parameters ?? .object(["type": .string("object"), "properties": .emptyObject]))
            }
        }
        let disableParallel: Bool? = request.parallelToolCalls == false ? true : nil
        if request.toolChoice != nil, anthropic.tools == nil { notes.append(.droppedParameter("tool_choice without tools")) }
        switch anthropic.tools == nil ? nil : request.toolChoice {
        case .none?: anthropic.toolChoice = AnthropicToolChoice.none
        case .auto?: anthropic.toolChoice = .auto(disableParallelToolUse: disableParallel)
        case .required?: anthropic.toolChoice = .any(disableParallelToolUse: disableParallel)
        case .function(let name)?: anthropic.toolChoice = .tool(name: name, disableParallelToolUse: disableParallel)
        case nil: if disableParallel != nil, anthropic.tools != nil { anthropic.toolChoice = .auto(disableParallelToolUse: true) }
        }

        if let n = request.n, n != 1 { notes.append(.droppedParameter("n")) }
        let dropped: [(String, JSONValue?)] = [
            ("response_format", request.responseFormat), ("logprobs", request.logprobs), ("presence_penalty", request.presencePenalty),
            ("frequency_penalty", request.frequencyPenalty), ("seed", request.seed), ("logit_bias", request.logitBias),
            ("reasoning_effort", request.reasoningEffort),
        ]
        for (name, value) in dropped where value != nil && value != .null && value != .bool(false) { notes.append(.droppedParameter(name)) }
        return Translated(value: anthropic, notes: notes)
    }

    static func text(of content: OpenAIMessageContent?) -> String {
        switch content {
        case .text(let text)?: return text
        case .parts(let parts)?:
            return parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
        case nil: return ""
        }
    }

    static func textBlocks(_ content: OpenAIMessageContent?, notes: inout [TranslationNote]) -> [AnthropicContentBlock] {
        switch content {
        case .text(let text)?: return text.isEmpty ? [] : [.text(text)]
        case .parts(let parts)?:
            return parts.compactMap { part in
                switch part {
                case .text(let text): return text.isEmpty ? nil : .text(text)
                case .other("refusal", let raw):
                    return raw.objectValue?["refusal"]?.stringValue.map { .text($0) }
                default:
                    notes.append(.droppedContent("an assistant content part"))
                    return nil
                }
            }
        case nil: return []
        }
    }

    static func userBlocks(_ content: OpenAIMessageContent?, notes: inout [TranslationNote]) -> [AnthropicContentBlock] {
        guard case .parts(let parts)? = content else { return textBlocks(content, notes: &notes) }
        return parts.compactMap { part in
            switch part {
            case .text(let text): return text.isEmpty ? nil : .text(text)
            case .imageURL(let url, _): return .image(imageSource(url))
            case .other(let type, _):
                notes.append(.droppedContent("content part '\(type)'"))
                return nil
            }
        }
    }

    /// `data:<media type>;base64,<data>` as a base64 source; anything else as a URL source.
    static func imageSource(_ url: String) -> AnthropicImageSource {
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ","), url[..<comma].hasSuffix(";base64") else { return .url(url) }
        let mediaType = url[url.index(url.startIndex, offsetBy: 5)..<comma].dropLast(";base64".count)
        return .base64(mediaType: String(mediaType), data: String(url[url.index(after: comma)...]))
    }
}
