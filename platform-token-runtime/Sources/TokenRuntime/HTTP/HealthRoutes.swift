import Hummingbird

/// `GET /healthz` (the process answers), `GET /readyz` (the store answers), `GET /metrics`.
struct HealthRoutes: Sendable {
    let service: TokenService
    let metrics: RuntimeMetrics
    let readiness: @Sendable () async -> Bool

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in JSONBody.response(.ok, ["status": "ok"]) }
        router.get("/readyz") { _, _ in
            await readiness()
                ? JSONBody.response(.ok, ["status": "ready"])
                : JSONBody.response(.serviceUnavailable, ["status": "store unavailable"])
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
