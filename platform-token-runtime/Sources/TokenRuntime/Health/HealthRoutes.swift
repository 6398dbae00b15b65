import ServiceSupport
import Hummingbird

/// `GET /healthz` (the process answers), `GET /readyz` (the store answers; with the open-file
/// limit), `GET /metrics`.
struct HealthRoutes: Sendable {
    let service: TokenService
    let metrics: RuntimeMetrics

    func register(on router: Router<RuntimeRequestContext>) {
        // Encoded once: the answers never change (a response's body can be written any number of times).
        let healthy = JSONBody.response(.ok, ["status": "ok"])
        router.get("/healthz") { _, _ in healthy }
        router.get("/readyz") { _, _ in
            // With the open-file limit the process runs with (raised to the hard limit at startup).
            let files = OpenFileLimit.current()?.soft
            return await service.store.isReady()
                ? JSONBody.response(.ok, Readiness(status: "ready", openFilesLimit: files))
                : JSONBody.response(.serviceUnavailable, Readiness(status: "store unavailable", openFilesLimit: files))
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(store: service.store)))
            )
        }
    }
}

/// The `/readyz` answer.
struct Readiness: Encodable {
    var status: String
    var openFilesLimit: UInt64?

    enum CodingKeys: String, CodingKey {
        case status
        case openFilesLimit = "open_files_limit"
    }
}
