import ServiceSupport
import Foundation
import Hummingbird

/// `GET /v1/models`: the union of all providers' models, deduplicated and sorted, in OpenAI's list
/// format; a token restricted to some models sees only those. The unrestricted list is encoded once.
struct ModelsHandler: Sendable {
    let authenticator: RequestAuthenticator
    let registry: ProviderRegistry
    let fullList: ByteBuffer

    struct ModelList: Encodable {
        var object = "list"
        var data: [ModelEntry]
    }

    init(authenticator: RequestAuthenticator, registry: ProviderRegistry) {
        self.authenticator = authenticator
        self.registry = registry
        fullList = Self.encode(registry.models)
    }

    static func encode(_ models: [ModelEntry]) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONEncoder().encode(ModelList(data: models))) ?? Data())
    }

    func handle(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let claims = try await authenticator.authenticate(request, clientAddress: context.clientAddress)
        let body = claims.models.map { allowed in Self.encode(registry.models.filter { allowed.contains($0.id) }) } ?? fullList
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }
}
