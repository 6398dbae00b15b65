import ServiceSupport
import Foundation
import HTTPTypes
import NIOCore
import TokenProtocol

/// What a provider's `429` says about how long, and for what, it is rate limited.
///
/// How long: `retry-after-ms` (milliseconds), else `Retry-After` (seconds or an HTTP date), else
/// `x-ratelimit-reset-requests` (OpenAI's `1s`, `6m0s`, `20ms`), else ``defaultCooldown``; never
/// more than ``maxCooldown``. For what: one model when the provider's error message names the
/// model (OpenAI: "Rate limit reached for gpt-4o-mini in organization ..."), else every model of
/// the provider.
public struct RateLimitHint: Sendable, Equatable {
    public var seconds: Double
    public var scope: ProviderCooldown.Scope

    public static let defaultCooldown: Double = 10
    public static let maxCooldown: Double = 3600

    static let retryAfterMs = HTTPField.Name("retry-after-ms")!
    static let resetRequests = HTTPField.Name("x-ratelimit-reset-requests")!
    /// The response headers this reads, which the provider client must keep.
    public static let headerNames: [HTTPField.Name] = [.retryAfter, retryAfterMs, resetRequests]

    public init(seconds: Double, scope: ProviderCooldown.Scope) {
        self.seconds = seconds
        self.scope = scope
    }

    /// Reads a `429` answer's headers and (OpenAI-shaped) error body for a request for `model`.
    public static func from(headers: HTTPFields, body: ByteBuffer, model: String, now: Double) -> RateLimitHint {
        let seconds = cooldown(headers: headers, now: now) ?? defaultCooldown
        return RateLimitHint(seconds: min(max(seconds, 0), maxCooldown), scope: scope(body: body, model: model))
    }

    static func cooldown(headers: HTTPFields, now: Double) -> Double? {
        if let text = headers[retryAfterMs], let milliseconds = Double(text.trimmingCharacters(in: .whitespaces)), milliseconds >= 0 {
            return milliseconds / 1000
        }
        if let text = headers[.retryAfter]?.trimmingCharacters(in: .whitespaces) {
            if let seconds = Double(text), seconds >= 0 { return seconds }
            if let date = httpDate(text) { return max(0, date - now) }
        }
        if let text = headers[resetRequests], let duration = DurationParsing.parse(text) {
            return duration.inSeconds
        }
        return nil
    }

    /// An IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`) as seconds since the epoch.
    static func httpDate(_ text: String) -> Double? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)?.timeIntervalSince1970
    }

    struct ErrorEnvelope: Decodable {
        struct Body: Decodable {
            var message: String?
            var code: String?
        }
        var error: Body
    }

    static func scope(body: ByteBuffer, model: String) -> ProviderCooldown.Scope {
        guard let envelope = try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.readableBytesView)),
            let message = envelope.error.message
        else { return .provider }
        // Out of credit is the whole account, whatever the message names.
        if envelope.error.code == "insufficient_quota" { return .provider }
        return message.contains("for \(model) ") || message.hasSuffix("for \(model)") ? .model(model) : .provider
    }
}
