import Hummingbird

/// `GET /healthz` (the process answers), `GET /readyz` (the store answers), `GET /metrics`.
struct HealthRoutes: Sendable {
    let service: TokenService
    let metrics: RuntimeMetrics
    let readiness: @Sendable () async -> Bool

    func register(on router: Router<BasicRequestContext>) {
        // Encoded once: the answers never change (a response's body can be written any number of times).
        let healthy = JSONBody.response(.ok, ["status": "ok"])
        let ready = JSONBody.response(.ok, ["status": "ready"])
        let notReady = JSONBody.response(.serviceUnavailable, ["status": "store unavailable"])
        router.get("/healthz") { _, _ in healthy }
        router.get("/readyz") { _, _ in await readiness() ? ready : notReady }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(store: service.store)))
            )
        }
    }
}
