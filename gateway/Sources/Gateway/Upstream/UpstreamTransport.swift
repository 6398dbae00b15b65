import HTTPTypes
import NIOCore
import NIOHTTP1
import NIOSSL

/// One request a provider client sends: the path below the provider's API root, the headers it
/// builds (the transport adds `Host` and `Content-Length`), and the body.
struct UpstreamCall: Sendable {
    var path: String
    var headers: HTTPHeaders
    var body: ByteBuffer
    var stream: Bool
    /// The whole request's deadline (a stream's too).
    var timeout: Duration
}

/// How the provider clients reach their provider: ``NIOUpstreamTransport`` (SwiftNIO channels,
/// the default) or, behind an egress proxy, ``ProxiedUpstreamTransport`` (AsyncHTTPClient).
protocol UpstreamTransport: Sendable {
    /// Sends `call`; keeps the answer's headers named in `passed`.
    func execute(_ call: UpstreamCall, passing passed: [(String, HTTPField.Name)]) async throws -> UpstreamResponse
    func shutdown() async throws
}

/// What an answer holds until its last byte was relayed (pool accounting, the per-host slot).
public protocol UpstreamLease: AnyObject, Sendable {
    /// How long the request waited for a connection slot (zero without `GATEWAY_HTTP_MAX_CONNS_PER_HOST`).
    var waited: Duration { get }
}

enum UpstreamTransports {
    /// The transport for a provider whose API root is `root`: through the egress proxy when one is
    /// configured for it (`HTTPS_PROXY`/`HTTP_PROXY`, not excluded by `NO_PROXY`), else direct on
    /// SwiftNIO channels.
    static func make(root: String, http: HTTPTimeoutConfig) -> any UpstreamTransport {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = http.providerCAFile { tls.additionalTrustRoots = [.file(caFile)] }
        if let proxy = http.egressProxy?.proxy(for: root) {
            return ProxiedUpstreamTransport(root: root, http: http, proxy: proxy, tls: tls)
        }
        do {
            let origin = try UpstreamOrigin(root: root, tls: tls)
            return NIOUpstreamTransport(origin: origin, http: http, maxBody: ProxyHandler.maxUpstreamBody)
        } catch {
            // The provider file was checked at load; an origin that still fails (a TLS context that
            // cannot be built) fails each call the way an unreachable provider does.
            return FailingUpstreamTransport(problem: String(describing: error))
        }
    }
}

/// A provider that cannot be reached as configured: every call fails as a connection error.
struct FailingUpstreamTransport: UpstreamTransport {
    let problem: String
    func execute(_ call: UpstreamCall, passing passed: [(String, HTTPField.Name)]) async throws -> UpstreamResponse {
        throw UpstreamError.connection(problem)
    }
    func shutdown() async throws {}
}
