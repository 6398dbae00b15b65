import Foundation
import NIOSSL

/// Where a provider's requests go, parsed once from its `base_url`: the host and port to connect
/// to, the `Host` header, the path every request starts with (`/v1`), and TLS for `https`.
struct UpstreamOrigin: Sendable {
    let host: String
    let port: Int
    /// `host` or `host:port` when the port is not the scheme's default.
    let hostHeader: String
    /// The path below which the API's endpoints live, without a trailing slash (`/v1`, `/openai/v1`).
    let root: String
    /// Set for `https`: the context every connection's TLS handler is made from, and the name the
    /// certificate must carry (nil for an IP address, which is checked against the certificate's IP SANs).
    let tls: NIOSSLContext?
    let serverHostname: String?

    enum Invalid: Error, CustomStringConvertible {
        case url(String)
        var description: String {
            switch self {
            case .url(let url): "not an http(s) URL with a host: \(url)"
            }
        }
    }

    /// - Parameters:
    ///   - root: the provider's API root, e.g. `https://api.openai.com/v1`.
    ///   - tls: the client TLS configuration for `https` (system trust roots plus `GATEWAY_PROVIDER_CA_FILE`).
    init(root: String, tls: TLSConfiguration) throws {
        guard let components = URLComponents(string: root), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { throw Invalid.url(root) }
        let secure = scheme == "https"
        let defaultPort = secure ? 443 : 80
        port = components.port ?? defaultPort
        // URLComponents keeps an IPv6 literal's brackets off `host`; the Host header needs them back.
        let bareHost = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.host = bareHost
        let hostForHeader = bareHost.contains(":") ? "[\(bareHost)]" : bareHost
        hostHeader = port == defaultPort ? hostForHeader : "\(hostForHeader):\(port)"
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        self.root = path
        if secure {
            self.tls = try NIOSSLContext(configuration: tls)
            serverHostname = Self.isIPAddress(bareHost) ? nil : bareHost
        } else {
            self.tls = nil
            serverHostname = nil
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        host.contains(":") || host.split(separator: ".").count == 4 && host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
