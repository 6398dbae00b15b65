/// An OpenAI chat completion as an Anthropic message, for an Anthropic client of an
/// OpenAI-compatible provider: the first choice's text is a text block (a refusal too), each tool
/// call a `tool_use` block whose `input` is its parsed `arguments` (`{}` with a note when they are
/// not a JSON object; empty arguments are `{}` without one), `finish_reason` a `stop_reason`
/// (``StopReasons``), usage in Anthropic's convention (``OpenAIUsage/anthropic``).
enum ChatCompletionToAnthropic {
    /// `model`: the name to answer with (the client's), the provider's when nil.
    static func translate(_ completion: OpenAIChatCompletion, model: String? = nil) -> Translated<AnthropicMessage> {
        var notes: [TranslationNote] = []
        if completion.choices.count > 1 { notes.append(.droppedContent("choices after the first")) }
        let choice = completion.choices.first
        var blocks: [AnthropicContentBlock] = []
        if let text = choice?.message.content, !text.isEmpty { blocks.append(.text(text)) }
        if let refusal = choice?.message.refusal, !refusal.isEmpty { blocks.append(.text(refusal)) }
        for call in choice?.message.toolCalls ?? [] {
            blocks.append(.toolUse(id: call.id, name: call.function.name, input: toolInput(call.function.arguments, id: call.id, notes: &notes)))
        }
        let stopReason = StopReasons.anthropic(
            finishReason: choice?.finishReason, matchedStop: choice?.matchedStop, hasToolCalls: !(choice?.message.toolCalls ?? []).isEmpty)
        let message = AnthropicMessage(
            id: completion.id, content: blocks, model: model ?? completion.model, stopReason: stopReason,
            stopSequence: stopReason == "stop_sequence" ? choice?.matchedStop : nil,
            usage: completion.usage?.anthropic ?? AnthropicUsage(inputTokens: 0, outputTokens: 0))
        return Translated(value: message, notes: notes)
    }

    /// A tool call's `arguments` as an Anthropic `input` object.
    static func toolInput(_ arguments: String, id: String, notes: inout [TranslationNote]) -> JSONValue {
        if arguments.allSatisfy(\.isWhitespace) { return .emptyObject }
        if let value = JSONValue.parse(arguments), case .object = value { return value }
        notes.append(.invalidToolArguments(toolCallID: id, arguments: arguments))
        return .emptyObject
    }
}
