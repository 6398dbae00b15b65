import Foundation
import HTTPTypes
import Hummingbird
import Tracing
import TokenProtocol
import ServiceSupport

/// Bearer token -> claims, or the OpenAI-style 401/429/503 the client should see.
///
/// A token the cache knows as active is let through at once: nothing below costs it anything.
/// Every other token is first checked against the client address's budget of failed
/// authentications (``AuthFailureBudget``; 429 `too_many_failed_authentications` when it is spent)
/// and, if it would need an introspection, against the global ceiling on cache misses
/// (``IntrospectionRateLimit``; 503). A token found unknown, revoked, expired or malformed is
/// charged to the client address.
struct RequestAuthenticator: Sendable {
    let verifier: any TokenVerifier
    let failures: AuthFailureBudget?
    let missRate: IntrospectionRateLimit?
    let metrics: AuthMetrics

    init(
        verifier: any TokenVerifier, failures: AuthFailureBudget? = nil, missRate: IntrospectionRateLimit? = nil,
        metrics: AuthMetrics
    ) {
        self.verifier = verifier
        self.failures = failures
        self.missRate = missRate
        self.metrics = metrics
    }

    /// `x-api-key`, Anthropic's header for the key, which its older SDKs and many coding agents send.
    static let apiKeyHeader = HTTPField.Name("x-api-key")!

    /// `acceptsAPIKey`: the token may also come as `x-api-key` (Anthropic's routes), when there is
    /// no `Authorization` header.
    /// `span`: the authentication span, told whether the cache knew the token (`ljq.auth.cache`:
    /// hit, miss or malformed) and why a token was refused; never the token.
    func authenticate(
        _ request: Request, clientAddress: String?, acceptsAPIKey: Bool = false, span: (any Span)? = nil
    ) async throws -> TokenClaims {
        let token: String
        if let header = request.headers[.authorization] {
            guard let credentials = AuthorizationHeader.credentials(header, scheme: "bearer") else {
                throw OpenAIError.invalidToken("The Authorization header must be: Bearer YOUR_KEY.")
            }
            token = String(credentials)
        } else if acceptsAPIKey, let key = request.headers[Self.apiKeyHeader] {
            token = key.trimmingCharacters(in: .whitespaces)
        } else {
            throw acceptsAPIKey ? OpenAIError.missingAPIKey : OpenAIError.missingToken
        }
        let known = verifier.knownVerdict(token)
        if case .cached(.active(let claims)) = known {
            span?.setAttributeIfRecording("ljq.auth.cache", "hit")
            return claims
        }
        span?.setAttributeIfRecording("ljq.auth.cache", known == .malformed ? "malformed" : known == .notKnown ? "miss" : "hit")

        let budgetKey = clientAddress.map { TrustedProxies.normalizedAddress(Substring($0)) ?? $0 }
        var admission = AuthFailureBudget.Admission.unreserved
        if let failures, let budgetKey {
            admission = failures.admit(budgetKey)
            if case .refused(let wait) = admission {
                metrics.shedByAddress.increment()
                throw OpenAIError.tooManyFailedAuthentications(retryAfter: wait)
            }
        }
        /// Every way out below settles the admission: failures charged, a reservation given back otherwise.
        func settle(failed: Bool, reason: String = "") {
            if let failures, let budgetKey { failures.settle(budgetKey, admission, failed: failed, reason: reason) }
        }
        let verdict: TokenVerdict
        switch known {
        case .malformed: verdict = .inactive(.unknown)
        case .cached(let cached): verdict = cached
        case .notKnown:
            if let missRate, let wait = missRate.admit() {
                settle(failed: false)
                metrics.shedByMissRate.increment()
                throw OpenAIError.introspectionRateLimited(retryAfter: wait)
            }
            verdict = await verifier.verifyUnknown(token)
        }
        switch verdict {
        case .active(let claims):
            settle(failed: false)
            return claims
        case .inactive(let status):
            let reason = known == .malformed ? "malformed" : status == .expired ? "expired" : status == .revoked ? "revoked" : "unknown"
            metrics.failed(reason)
            span?.setAttributeIfRecording("ljq.auth.refused", reason)
            settle(failed: true, reason: reason)
            switch status {
            case .expired: throw OpenAIError.invalidToken("The API key has expired.")
            case .revoked: throw OpenAIError.invalidToken("The API key has been revoked.")
            default: throw OpenAIError.invalidToken("Incorrect API key provided.")
            }
        case .unavailable:
            settle(failed: false)
            throw OpenAIError.tokenRuntimeUnavailable
        }
    }
}
