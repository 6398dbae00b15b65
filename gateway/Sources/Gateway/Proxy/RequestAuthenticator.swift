import HTTPTypes
import Hummingbird
import TokenProtocol

/// Bearer token -> claims, or the OpenAI-style 401/503 the client should see.
struct RequestAuthenticator: Sendable {
    let verifier: any TokenVerifier

    func authenticate(_ request: Request) async throws -> TokenClaims {
        guard let header = request.headers[.authorization] else { throw OpenAIError.missingToken }
        guard let token = AuthorizationHeader.credentials(header, scheme: "bearer") else {
            throw OpenAIError.invalidToken("The Authorization header must be: Bearer YOUR_KEY.")
        }
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
