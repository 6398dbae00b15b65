import AsyncHTTPClient
import Hummingbird
import NIOCore
import ServiceSupport

/// `GET /healthz` (alive), `GET /readyz` (token runtime reachable in remote mode, audit sink up;
/// lists the providers that are out or cooling down, and why; with the open-file limit the process
/// runs with), `GET /metrics` (Prometheus text).
struct HealthRoutes: Sendable {
    let metrics: GatewayMetrics
    let cache: IntrospectionCache?
    let authFailures: AuthFailureBudget?
    let audit: any AuditSink
    /// Checks the token runtime; nil in dev in-process mode.
    let runtimeProbe: (@Sendable () async -> Bool)?
    /// Reported by `/readyz`, never failing it: while the stream is down the cache TTLs still bound staleness.
    let revocations: RevocationSubscriber?
    /// Its providers out or cooling down are listed by `/readyz`, never failing it: the other
    /// providers (and other replicas) still serve, and a rejected key is fixed by the operator.
    var providers: ProviderRegistry? = nil

    func register(on router: Router<GatewayRequestContext>) {
        // Built once: the answer never changes (a response's body can be written any number of times).
        let healthy = Self.json(.ok, #"{"status":"ok"}"#)
        router.get("/healthz") { _, _ in healthy }
        router.get("/readyz") { _, _ in
            let runtime = await runtimeProbe?() ?? true
            let auditUp = await audit.isHealthy()
            let ready = runtime && auditUp
            let stream = revocations?.streamState.rawValue ?? "off"
            let out = providers?.providersOutJSON() ?? "[]"
            let files = OpenFileLimit.current().map { String($0.soft) } ?? "null"
            return Self.json(
                ready ? .ok : .serviceUnavailable,
                #"{"status":"\#(ready ? "ready" : "not ready")","token_runtime":"\#(runtime ? "up" : "down")","audit":"\#(auditUp ? "up" : "down")","revocation_stream":"\#(stream)","providers_out":\#(out),"open_files_limit":\#(files)}"#
            )
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(bytes: metrics.exposition(cache: cache, authFailures: authFailures, providers: providers))))
        }
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A probe of `GET {runtime}/healthz` with a short deadline.
    static func runtimeProbe(baseURL: String, client: HTTPClient) -> @Sendable () async -> Bool {
        let url = ServiceURL.join(baseURL, "/healthz")
        return {
            guard let response = try? await client.execute(HTTPClientRequest(url: url), timeout: .seconds(1)) else {
                return false
            }
            _ = try? await response.body.collect(upTo: 4096)
            return response.status == .ok
        }
    }
}
