/// The lifecycle state of a token as platform-token-runtime sees it.
///
/// `revoked` wins over `expired`: a revoked token stays revoked after its `exp`.
public enum TokenStatus: String, Codable, Sendable, CaseIterable, Hashable {
    case active
    case expired
    case revoked
    case unknown
}
