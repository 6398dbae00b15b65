import Foundation
import ServiceSupport
import Tracing

/// The span of one call to a provider (a client span, OpenTelemetry's GenAI conventions): from
/// the request sent until the answer's last byte was relayed, so a stream's span covers the
/// whole stream. `gen_ai.system`, `gen_ai.operation.name` and `gen_ai.request.model` at the start;
/// `gen_ai.response.model`, `gen_ai.response.finish_reasons` and the usage
/// (`gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`) when the answer ends; an event at
/// a stream's first byte. Never the prompt, the completion or a key: only these figures and
/// names, read from the answer's bytes while the span records (nothing is read for an unsampled
/// one, or with tracing off).
struct ProviderCallSpan: Sendable {
    let span: any Span

    /// Starts the span below `parent` (the routing span).
    static func start(provider: Provider, endpoint: Endpoint, model: String, attempt: Int, parent: ServiceContext) -> ProviderCallSpan {
        let operation = operationName(endpoint)
        let span = startStageSpan("\(operation) \(model)", context: parent, ofKind: .client)
        span.updateAttributesIfRecording { attributes in
            attributes["gen_ai.system"] = system(provider.config.kind)
            attributes["gen_ai.operation.name"] = operation
            attributes["gen_ai.request.model"] = model
            attributes["server.address"] = URL(string: provider.config.baseURL)?.host ?? provider.config.baseURL
            attributes["ljq.provider"] = provider.name
            attributes["ljq.attempt"] = attempt
        }
        return ProviderCallSpan(span: span)
    }

    /// OpenTelemetry's `gen_ai.operation.name` for the endpoint.
    static func operationName(_ endpoint: Endpoint) -> String {
        switch endpoint {
        case .chatCompletions, .messages: "chat"
        case .completions: "text_completion"
        case .embeddings: "embeddings"
        }
    }

    /// OpenTelemetry's `gen_ai.system`: the provider's API (the built-in mock is `_OTHER`).
    static func system(_ kind: ProviderConfig.Kind) -> String {
        switch kind {
        case .openai: "openai"
        case .anthropic: "anthropic"
        case .mock: "_OTHER"
        }
    }

    /// The provider's status line arrived.
    func answered(status: Int) {
        span.setAttributeIfRecording("http.response.status_code", status)
    }

    /// The first byte of a stream reached the gateway (and goes to the client next).
    func firstByte(after elapsed: Duration) {
        var attributes = SpanAttributes()
        attributes["ljq.time_to_first_byte_ms"] = elapsed.inSeconds * 1000
        span.addEvent(SpanEvent(name: "gen_ai.first_byte", attributes: attributes))
    }

    /// The answer ended: its usage and what the answer says of its model and finish reasons (read
    /// from `bytes`: the whole answer, or a stream's first and last bytes).
    func finished(usage: Usage?, bytes: [some Collection<UInt8>], status: Int? = nil) {
        defer { span.end() }
        guard span.isRecording else { return }
        if let status, status >= 400 { span.setStatus(SpanStatus(code: .error, message: "the answer ended with \(status)")) }
        var model: String?
        var reasons: [String] = []
        for part in bytes {
            let scan = Array(part)
            if model == nil { model = AnswerFields.strings(named: "model", in: scan).first }
            for reason in AnswerFields.strings(named: "finish_reason", in: scan) + AnswerFields.strings(named: "stop_reason", in: scan)
            where !reasons.contains(reason) {
                reasons.append(reason)
            }
        }
        // One update: each `span.attributes[...] =` copies the span's attributes under its lock.
        span.updateAttributes { attributes in
            if let status, status >= 400 { attributes["error.type"] = String(status) }
            if let usage {
                if let input = usage.promptTokens { attributes["gen_ai.usage.input_tokens"] = input }
                if let output = usage.completionTokens { attributes["gen_ai.usage.output_tokens"] = output }
                if usage.estimated { attributes["ljq.usage.estimated"] = true }
            }
            if let model { attributes["gen_ai.response.model"] = model }
            if !reasons.isEmpty { attributes["gen_ai.response.finish_reasons"] = reasons }
        }
    }

    /// The call failed (no answer, or one the gateway falls back from): recorded with its reason.
    func failed(_ reason: String, error: (any Error)? = nil) {
        span.attributes["error.type"] = reason
        if let error { span.recordError(error) }
        span.setStatus(SpanStatus(code: .error, message: reason))
        span.end()
    }
}
