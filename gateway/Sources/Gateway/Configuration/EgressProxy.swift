import Foundation
import ServiceSupport

/// The egress proxy for provider traffic, from the environment variables curl and Go read:
/// `HTTPS_PROXY` for `https` providers, `HTTP_PROXY` for `http` ones (either also in lower case,
/// which wins), and `NO_PROXY`: comma-separated hosts, domains (`example.com` and `.example.com`
/// both cover its subdomains), `host:port`, or `*` for all. The token runtime, webhooks and the
/// gateway's own clients are not affected.
public struct EgressProxy: Sendable, Equatable {
    public struct Server: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// `user:password` from the proxy URL, sent as Basic proxy authorization.
        public var basicCredentials: String?
    }

    public var http: Server?
    public var https: Server?
    public var noProxy: [String]

    /// Nil when neither proxy variable is set.
    static func load(from env: inout EnvironmentReader) -> EgressProxy? {
        func value(_ name: String) -> String? {
            let raw = env.raw(name.lowercased()) ?? env.raw(name)
            return raw.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        func server(_ name: String) -> Server? {
            guard let text = value(name) else { return nil }
            guard let parsed = parse(text) else {
                env.fail(name, "is not a proxy URL like http://proxy.internal:3128: \(text)")
                return nil
            }
            return parsed
        }
        let http = server("HTTP_PROXY")
        let https = server("HTTPS_PROXY")
        guard http != nil || https != nil else { return nil }
        let noProxy = (value("NO_PROXY") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }.filter { !$0.isEmpty }
        return EgressProxy(http: http, https: https, noProxy: noProxy)
    }

    /// `http://host:port`, `host:port`, with optional `user:password@`.
    static func parse(_ text: String) -> Server? {
        let withScheme = text.contains("://") ? text : "http://" + text
        guard let url = URLComponents(string: withScheme), url.scheme?.lowercased() == "http", let host = url.host, !host.isEmpty
        else { return nil }
        let credentials = url.user.map { user in (url.password.map { "\(user):\($0)" } ?? user) }
        return Server(host: host, port: url.port ?? 80, basicCredentials: credentials)
    }

    /// The proxy for a provider at `url`, or nil when it goes direct.
    public func proxy(for url: String) -> Server? {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else { return nil }
        let secure = components.scheme?.lowercased() == "https"
        guard let server = secure ? https : http else { return nil }
        let port = components.port ?? (secure ? 443 : 80)
        return excluded(host: host, port: port) ? nil : server
    }

    func excluded(host: String, port: Int) -> Bool {
        for entry in noProxy {
            if entry == "*" { return true }
            var name = Substring(entry)
            if let colon = name.lastIndex(of: ":"), !name.hasSuffix("]"), let entryPort = Int(name[name.index(after: colon)...]) {
                guard entryPort == port else { continue }
                name = name[..<colon]
            }
            if name.hasPrefix(".") { name = name.dropFirst() }
            if host == name || host.hasSuffix("." + name) { return true }
        }
        return false
    }
}
