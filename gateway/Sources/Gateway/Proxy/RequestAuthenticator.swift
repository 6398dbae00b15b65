import HTTPTypes
import Hummingbird

/// Bearer token -> claims, or the OpenAI-style 401/503 the client should see.
struct RequestAuthenticator: Sendable {
    let verifier: any TokenVerifier

    func authenticate(_ request: Request) async throws -> TokenClaims {
        guard let header = request.headers[.authorization] else { throw OpenAIError.missingToken }
        guard header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw OpenAIError.invalidToken("The Authorization header must be: Bearer YOUR_KEY.")
        }
        let token = header.dropFirst(7).drop { $0 == " " }
        switch await verifier.verify(String(token)) {
        case .active(let claims):
            return claims
        case .inactive(let status):
            switch status {
            case .expired: throw OpenAIError.invalidToken("The API key has expired.")
            case .revoked: throw OpenAIError.invalidToken("The API key has been revoked.")
            default: throw OpenAIError.invalidToken("Incorrect API key provided.")
            }
        case .unavailable:
            throw OpenAIError.tokenRuntimeUnavailable
        }
    }
}
