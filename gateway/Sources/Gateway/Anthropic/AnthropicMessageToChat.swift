/// An Anthropic message as an OpenAI chat completion, for an OpenAI client of an Anthropic
/// provider: the text blocks joined are `content` (null when none), `tool_use` blocks are
/// `tool_calls` (`input` as a JSON string), `stop_reason` a `finish_reason` (``StopReasons``),
/// usage in OpenAI's convention (``AnthropicUsage/openAI``: prompt tokens include the cache's).
/// Other blocks (`thinking`, server tool blocks) are dropped with a note.
enum AnthropicMessageToChat {
    /// `created`: the answer's Unix time. `model`: the name to answer with (the client's), the provider's when nil.
    static func translate(_ message: AnthropicMessage, created: Int, model: String? = nil) -> Translated<OpenAIChatCompletion> {
        var notes: [TranslationNote] = []
        var texts: [String] = []
        var calls: [OpenAIToolCall] = []
        for block in message.content {
            switch block {
            case .text(let text): texts.append(text)
            case .toolUse(let id, let name, let input): calls.append(OpenAIToolCall(id: id, name: name, arguments: input.jsonText))
            default: notes.append(.droppedContent("answer block '\(block.type)'"))
            }
        }
        let choice = OpenAIChatCompletion.Choice(
            message: .init(content: texts.isEmpty ? nil : texts.joined(), toolCalls: calls.isEmpty ? nil : calls),
            finishReason: StopReasons.openAI(stopReason: message.stopReason))
        let completion = OpenAIChatCompletion(
            id: message.id, created: created, model: model ?? message.model, choices: [choice], usage: message.usage.openAI)
        return Translated(value: completion, notes: notes)
    }
}
