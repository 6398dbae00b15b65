/// OpenAI's `finish_reason` and Anthropic's `stop_reason`, each way.
enum StopReasons {
    /// An OpenAI finish reason as Anthropic's stop reason. A `stop` caused by one of the request's
    /// stop sequences (when the provider says which: `matchedStop`) is `stop_sequence`; a `stop`
    /// with tool calls (some providers) is `tool_use`, as Anthropic clients loop on it.
    static func anthropic(finishReason: String?, matchedStop: String?, hasToolCalls: Bool) -> String {
        switch finishReason {
        case "length": return "max_tokens"
        case "tool_calls", "function_call": return "tool_use"
        case "content_filter": return "end_turn"
        default:
            if hasToolCalls { return "tool_use" }
            return matchedStop != nil ? "stop_sequence" : "end_turn"
        }
    }

    /// An Anthropic stop reason as OpenAI's finish reason.
    static func openAI(stopReason: String?) -> String {
        switch stopReason {
        case "max_tokens", "model_context_window_exceeded": "length"
        case "tool_use": "tool_calls"
        case "refusal": "content_filter"
        default: "stop"  // end_turn, stop_sequence, pause_turn
        }
    }
}
