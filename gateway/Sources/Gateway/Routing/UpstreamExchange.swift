import AsyncHTTPClient
import HTTPTypes
import NIOCore

/// One HTTP exchange with a provider over the pooled clients, shared by the HTTP provider clients:
/// a connection lease, the deadline, the failures mapped to ``UpstreamError``, and the response
/// headers worth keeping.
enum UpstreamExchange {
    /// Sends `request` with the deadline `timeout` from now; keeps the response headers named in `passed`.
    static func execute(
        _ request: HTTPClientRequest, on httpClients: LoopLocalHTTPClients, timeout: Duration, passing passed: [(String, HTTPField.Name)]
    ) async throws -> UpstreamResponse {
        let lease = try await httpClients.lease()
        let response: HTTPClientResponse
        do {
            response = try await lease.client.execute(request, deadline: .now() + TimeAmount(timeout))
        } catch let error as HTTPClientError
            where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
        {
            throw UpstreamError.timeout
        } catch {
            if OutOfFileDescriptors.caused(error) { throw UpstreamError.outOfFileDescriptors }
            throw UpstreamError.connection(String(describing: error))
        }
        var headers = HTTPFields()
        for (name, field) in passed {
            if let value = response.headers.first(name: name) { headers[field] = value }
        }
        return UpstreamResponse(status: Int(response.status.code), headers: headers, body: .http(response.body), lease: lease)
    }
}
