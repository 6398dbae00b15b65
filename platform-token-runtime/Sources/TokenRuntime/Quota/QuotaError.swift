import TokenProtocol

/// Why the quota authority refused a call before deciding anything.
public enum QuotaError: Error, Sendable, Equatable {
    /// A number is negative, `want` is below `need`, or an identifier is empty (400).
    case invalidRequest(String)
    /// No token has this `jti` (404).
    case unknownToken
    /// The token is revoked or expired (403).
    case inactive(TokenStatus)
}
