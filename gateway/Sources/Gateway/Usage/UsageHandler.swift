import Foundation
import Hummingbird
import Logging
import TokenProtocol

/// `GET /v1/usage`: the calling key's own usage and spend, from the ledger, in total and by model.
/// A finished request shows up once its report reached the ledger (within about a second).
struct UsageHandler: Sendable {
    let ledger: (any UsageLedgerClient)?
    let logger: Logger

    struct Answer: Encodable {
        var object = "usage"
        var tokenID: String
        var subject: String
        var totals: UsageTotals
        var byModel: [UsageTotals]

        enum CodingKeys: String, CodingKey {
            case object
            case tokenID = "token_id"
            case subject
            case byModel = "by_model"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(object, forKey: .object)
            try container.encode(tokenID, forKey: .tokenID)
            try container.encode(subject, forKey: .subject)
            // requests, prompt_tokens, ..., spend_usd, spend_nano_usd at the top level.
            try totals.encode(to: encoder)
            try container.encode(byModel, forKey: .byModel)
        }
    }

    func handle(_ request: Request, context: AuthenticatedRequestContext) async throws -> Response {
        guard let ledger else {
            throw OpenAIError(.serviceUnavailable, "This gateway keeps no usage ledger.", type: "api_error", code: "usage_unavailable")
        }
        let claims = context.claims
        let byModel: [UsageTotals]
        do {
            byModel = try await ledger.totals(tokenID: claims.jti, groupBy: ["model"])
        } catch {
            logger.warning("usage ledger query failed", metadata: ["request.id": "\(context.requestID)", "error": "\(error)"])
            throw OpenAIError(
                .serviceUnavailable, "The usage ledger could not be reached; try again shortly.", type: "api_error",
                code: "usage_unavailable")
        }
        var totals = UsageTotals()
        for row in byModel { totals.add(row) }
        // Grouped by model only: the rows carry no other keys.
        let models = byModel.sorted { ($0.model ?? "") < ($1.model ?? "") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = try encoder.encode(Answer(tokenID: claims.jti, subject: claims.subject, totals: totals, byModel: models))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
