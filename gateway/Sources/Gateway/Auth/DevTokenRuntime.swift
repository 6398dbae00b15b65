/// dev only (`GATEWAY_TOKEN_RUNTIME_MODE=inmemory`): a token authority running inside the gateway
/// process. The gateway library does not link platform-token-runtime; the `gateway` executable
/// injects one (`InProcessTokenRuntime`, module GatewayInProcessRuntime) into
/// ``GatewayApplication/build(configuration:logger:clock:audit:registry:devRuntime:)``.
public protocol DevTokenRuntime: TokenVerifier {
    /// Registers `tokens`, or generates one when there are none; returns the generated token (to
    /// be shown once), or nil.
    func registerDevTokens(_ tokens: [String]) async throws -> String?
}

/// `inmemory` mode was configured but no in-process runtime was injected.
public struct DevTokenRuntimeMissing: Error, CustomStringConvertible {
    public init() {}
    public var description: String {
        "GATEWAY_TOKEN_RUNTIME_MODE=inmemory needs the in-process token runtime, which the gateway executable provides"
    }
}
