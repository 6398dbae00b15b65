import AsyncHTTPClient
import HTTPTypes
import NIOCore
import NIOSSL

/// Provider traffic through an egress proxy (`HTTPS_PROXY`/`HTTP_PROXY`): AsyncHTTPClient, which
/// speaks to proxies (absolute-form requests for `http`, `CONNECT` tunnels for `https`), over
/// ``LoopLocalHTTPClients``' per-loop pools. Slower than ``NIOUpstreamTransport``, and only used
/// when an operator routes provider traffic through a proxy.
struct ProxiedUpstreamTransport: UpstreamTransport {
    let root: String
    let clients: LoopLocalHTTPClients

    init(root: String, http: HTTPTimeoutConfig, proxy: EgressProxy.Server, tls: TLSConfiguration) {
        self.root = root
        var configuration = http.clientConfiguration
        configuration.proxy = .server(
            host: proxy.host, port: proxy.port, authorization: proxy.basicCredentials.map { .basic(credentials: $0) })
        configuration.tlsConfiguration = tls
        clients = LoopLocalHTTPClients(http, configuration: configuration)
    }

    func execute(_ call: UpstreamCall, passing passed: [(String, HTTPField.Name)]) async throws -> UpstreamResponse {
        var request = HTTPClientRequest(url: root + call.path)
        request.method = .POST
        request.headers = call.headers
        request.body = .bytes(call.body)
        return try await UpstreamExchange.execute(request, on: clients, timeout: call.timeout, passing: passed)
    }

    func shutdown() async throws {
        try await clients.shutdown()
    }
}
