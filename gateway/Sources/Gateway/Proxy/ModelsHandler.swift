import ServiceSupport
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /v1/models` and `GET /v1/models/{id}`: the union of all providers' models, deduplicated
/// and sorted; a token restricted to some models sees only those. In OpenAI's list format, or in
/// Anthropic's (`{"data":[{"type":"model","id","display_name","created_at"}],"has_more","first_id","last_id"}`)
/// when the request carries `anthropic-version`, as Anthropic's SDKs send. The unrestricted lists
/// are encoded once.
struct ModelsHandler: Sendable {
    let registry: ProviderRegistry
    let fullList: ByteBuffer
    let fullAnthropicList: ByteBuffer

    struct ModelList: Encodable {
        var object = "list"
        var data: [ModelEntry]
    }

    /// One model in Anthropic's shape.
    struct AnthropicModel: Encodable {
        var type = "model"
        var id: String
        var displayName: String
        var createdAt: String

        init(_ entry: ModelEntry) {
            id = entry.id
            displayName = entry.id
            createdAt = Date(timeIntervalSince1970: TimeInterval(entry.created)).formatted(.iso8601)
        }

        enum CodingKeys: String, CodingKey {
            case type, id
            case displayName = "display_name"
            case createdAt = "created_at"
        }
    }

    struct AnthropicModelList: Encodable {
        var data: [AnthropicModel]
        var hasMore = false
        var firstID: String?
        var lastID: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(data, forKey: .data)
            try container.encode(hasMore, forKey: .hasMore)
            try container.encode(firstID, forKey: .firstID)  // Anthropic sends explicit nulls
            try container.encode(lastID, forKey: .lastID)
        }

        enum CodingKeys: String, CodingKey {
            case data
            case hasMore = "has_more"
            case firstID = "first_id"
            case lastID = "last_id"
        }
    }

    init(registry: ProviderRegistry) {
        self.registry = registry
        fullList = Self.encode(registry.models)
        fullAnthropicList = Self.encodeAnthropic(registry.models)
    }

    static func encode(_ models: [ModelEntry]) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONEncoder().encode(ModelList(data: models))) ?? Data())
    }

    static func encodeAnthropic(_ models: [ModelEntry]) -> ByteBuffer {
        let list = AnthropicModelList(data: models.map(AnthropicModel.init), firstID: models.first?.id, lastID: models.last?.id)
        return ByteBuffer(bytes: (try? JSONEncoder().encode(list)) ?? Data())
    }

    static func speaksAnthropic(_ request: Request) -> Bool {
        request.headers[AnthropicProviderClient.version] != nil
    }

    func handle(_ request: Request, context: AuthenticatedRequestContext) async throws -> Response {
        let anthropic = Self.speaksAnthropic(request)
        let body: ByteBuffer
        if let allowed = context.claims.models {
            let visible = registry.models.filter { allowed.contains($0.id) }
            body = anthropic ? Self.encodeAnthropic(visible) : Self.encode(visible)
        } else {
            body = anthropic ? fullAnthropicList : fullList
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: body))
    }

    /// `GET /v1/models/{id}`: one model, or 404 when no provider serves it or the token may not use it.
    func handle(_ request: Request, context: AuthenticatedRequestContext, id: String) async throws -> Response {
        guard context.claims.allows(model: id), let entry = registry.models.first(where: { $0.id == id }) else {
            throw OpenAIError.modelNotFound(id)
        }
        let data =
            Self.speaksAnthropic(request)
            ? (try? JSONEncoder().encode(AnthropicModel(entry))) : (try? JSONEncoder().encode(entry))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data ?? Data())))
    }
}
