import Tracing

extension Span {
    /// Sets one attribute when the span records. A sampled-out span takes attributes and throws
    /// them away, but `span.attributes[key] = value` still builds a dictionary for it on every
    /// request (profiled: a few percent of a request's CPU with tracing on at low sampling).
    @inlinable public func setAttributeIfRecording(_ key: String, _ value: some SpanAttributeConvertible) {
        guard isRecording else { return }
        attributes[key] = value
    }

    /// Runs `update` on the span's attributes when the span records (one copy under its lock for
    /// several attributes; nothing for a sampled-out span).
    @inlinable public func updateAttributesIfRecording(_ update: (inout SpanAttributes) -> Void) {
        guard isRecording else { return }
        updateAttributes(update)
    }
}
