/// Something a translation could not carry over exactly. Never an error: the request or answer
/// still goes through; the caller logs these at debug level.
enum TranslationNote: Sendable, Equatable, CustomStringConvertible {
    /// A request parameter the other side has no equivalent for (Anthropic's `top_k`, OpenAI's `n`).
    case droppedParameter(String)
    /// A content block, content part or tool the other side cannot take (`thinking`, `document`, a server tool).
    case droppedContent(String)
    /// A tool call's arguments were not a JSON object; its `input` became `{}`.
    case invalidToolArguments(toolCallID: String, arguments: String)
    /// A value outside the other side's range, clamped (OpenAI's temperature up to 2, Anthropic's up to 1).
    case clamped(parameter: String, from: Double, to: Double)
    /// A message the other side requires in another shape: system messages after the first turn,
    /// an empty turn left out, images in a tool result moved to a user turn.
    case reshaped(String)
    /// A stream event out of the usual order, passed on as it came (a tool call's arguments after
    /// another block started).
    case outOfOrder(String)

    var description: String {
        switch self {
        case .droppedParameter(let name): "parameter '\(name)' has no equivalent and was dropped"
        case .droppedContent(let what): "\(what) has no equivalent and was dropped"
        case .invalidToolArguments(let id, let arguments):
            "tool call '\(id)' arguments are not a JSON object (\(arguments.prefix(80))); input is {}"
        case .clamped(let parameter, let from, let to): "'\(parameter)' \(from) clamped to \(to)"
        case .reshaped(let what): what
        case .outOfOrder(let what): what
        }
    }
}

/// A translated value and what did not carry over.
struct Translated<Value> {
    var value: Value
    var notes: [TranslationNote] = []
}

extension Translated: Sendable where Value: Sendable {}
