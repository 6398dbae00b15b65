/// The JSON error body both services' own APIs answer with (RFC 6749 section 5.2 shape):
/// `{"error": "invalid_request", "error_description": "..."}`.
public struct OAuthErrorBody: Codable, Sendable, Equatable {
    public var error: String
    public var errorDescription: String

    public init(error: String, errorDescription: String) {
        self.error = error
        self.errorDescription = errorDescription
    }

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }
}
