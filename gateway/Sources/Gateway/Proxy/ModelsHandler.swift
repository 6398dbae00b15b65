import ServiceSupport
import Foundation
import Hummingbird

/// `GET /v1/models`: the union of all providers' models, deduplicated and sorted, in OpenAI's list
/// format; a token restricted to some models sees only those. The unrestricted list is encoded once.
struct ModelsHandler: Sendable {
    let registry: ProviderRegistry
    let fullList: ByteBuffer

    struct ModelList: Encodable {
        var object = "list"
        var data: [ModelEntry]
    }

    init(registry: ProviderRegistry) {
        self.registry = registry
        fullList = Self.encode(registry.models)
    }

    static func encode(_ models: [ModelEntry]) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONEncoder().encode(ModelList(data: models))) ?? Data())
    }

    func handle(_ request: Request, context: AuthenticatedRequestContext) async throws -> Response {
        let body = context.claims.models.map { allowed in Self.encode(registry.models.filter { allowed.contains($0.id) }) } ?? fullList
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }
}
