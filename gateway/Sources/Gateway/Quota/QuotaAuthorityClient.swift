import AsyncHTTPClient
import Foundation
import NIOCore
import ServiceSupport
import TokenProtocol

/// The authority for each token's budget and requests-per-minute window across every gateway
/// replica, as the gateway sees it: platform-token-runtime's quota API (``RemoteQuotaAuthority``),
/// or the in-process runtime's in dev mode. The seam ``QuotaLeases`` talks through.
public protocol QuotaAuthorityClient: Sendable {
    func lease(_ request: QuotaLeaseRequest) async throws -> QuotaLeaseGrant
}

public enum QuotaAuthorityError: Error, Sendable, Equatable {
    /// The runtime answered with another status (403: the token is no longer active).
    case status(Int)
    case invalidAnswer
}

/// platform-token-runtime's quota API over HTTP (``QuotaPath/lease``), authenticated with the
/// introspection secret.
public struct RemoteQuotaAuthority: QuotaAuthorityClient {
    let url: String
    let call: RuntimeJSONCall

    /// `deadline`: the runtime may hold a call up to 300 ms while other holders hand back unused
    /// leases; a call slower than this fails (a budgeted request then waits no longer).
    public init(baseURL: String, secret: String, httpClient: HTTPClient, deadline: Duration = .seconds(3)) {
        url = ServiceURL.join(baseURL, QuotaPath.lease)
        call = RuntimeJSONCall(secret: secret, httpClient: httpClient, deadline: deadline)
    }

    static let encoder = JSONEncoder()

    public func lease(_ lease: QuotaLeaseRequest) async throws -> QuotaLeaseGrant {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try Self.encoder.encode(lease)))
        return try await call.send(
            request, as: QuotaLeaseGrant.self, limit: 1 << 20, status: QuotaAuthorityError.status, invalid: QuotaAuthorityError.invalidAnswer)
    }
}
