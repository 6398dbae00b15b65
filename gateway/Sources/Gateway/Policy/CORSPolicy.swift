/// Which browser origins may call the gateway. `*` (dev only) allows any.
public struct CORSPolicy: Sendable, Equatable {
    public var allowedOrigins: [String]
    let allowsAny: Bool
    let origins: Set<String>

    public init(allowedOrigins: [String]) {
        self.allowedOrigins = allowedOrigins
        allowsAny = allowedOrigins.contains("*")
        origins = Set(allowedOrigins.map { $0.lowercased() })
    }

    public func allows(_ origin: String) -> Bool {
        allowsAny || origins.contains(origin.lowercased())
    }

    static let allowedMethods = "GET, POST, OPTIONS"
    static let allowedHeaders =
        "Authorization, Content-Type, x-request-id, OpenAI-Organization, OpenAI-Beta, X-Stainless-Arch, X-Stainless-Lang, X-Stainless-OS, X-Stainless-Package-Version, X-Stainless-Runtime, X-Stainless-Runtime-Version, X-Stainless-Retry-Count, X-Stainless-Timeout"
    static let exposedHeaders =
        "x-request-id, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, Retry-After"
}
