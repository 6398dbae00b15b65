import ServiceSupport
import Hummingbird
import NIOCore

/// Reads a whole request body up to a limit: too large is 413, a body the client cut off is 400.
enum RequestBodyReader {
    static func read(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "request_too_large", "request body is larger than the limit of \(limit) bytes")
        } catch {
            throw APIError.invalidRequest("the request body ended before its announced length")
        }
    }
}
