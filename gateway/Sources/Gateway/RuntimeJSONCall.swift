import AsyncHTTPClient
import Foundation
import NIOCore

/// One JSON call to platform-token-runtime (the usage ledger, the quota authority): the
/// introspection secret as bearer, JSON accepted, the answer decoded. Another status, or an answer
/// that does not decode, is the caller's own error.
struct RuntimeJSONCall: Sendable {
    let authorization: String
    let httpClient: HTTPClient
    let deadline: TimeAmount

    init(secret: String, httpClient: HTTPClient, deadline: Duration) {
        authorization = "Bearer \(secret)"
        self.httpClient = httpClient
        self.deadline = TimeAmount(deadline)
    }

    func send<Answer: Decodable>(
        _ request: HTTPClientRequest, as: Answer.Type, limit: Int, status: (Int) -> any Error, invalid: any Error
    ) async throws -> Answer {
        var request = request
        request.headers.add(name: "Authorization", value: authorization)
        request.headers.add(name: "Accept", value: "application/json")
        TraceHeaders.inject(into: &request.headers)
        let response = try await httpClient.execute(request, deadline: .now() + deadline)
        let body = try await response.body.collect(upTo: limit)
        guard response.status == .ok else { throw status(Int(response.status.code)) }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(body.readableBytesView))
        } catch {
            throw invalid
        }
    }
}
