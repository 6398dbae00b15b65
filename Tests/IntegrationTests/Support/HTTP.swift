import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One HTTP answer, read whole.
struct HTTPResult: Sendable, CustomStringConvertible {
    var status: Int
    var headers: HTTPHeaders
    var body: String

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// `error.code` of an OpenAI error envelope.
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }

    /// True for OpenAI's `{"error": {"message", "type", ...}}`.
    var isOpenAIError: Bool {
        guard let error = json["error"] as? [String: Any] else { return false }
        return error["message"] is String && error["type"] is String
    }

    var description: String { "HTTP \(status): \(body.prefix(600))" }
}

/// Requests through the shared AsyncHTTPClient (never shut down, so nothing to clean up), each
/// with a whole-request deadline.
enum HTTP {
    static func send(
        _ method: HTTPMethod = .GET, _ url: String, headers: [(String, String)] = [], body: ByteBuffer? = nil,
        timeout: Duration = .seconds(15), client: HTTPClient = .shared
    ) async throws -> HTTPResult {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let start = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
            let bytes = try await response.body.collect(upTo: 32 << 20)
            return HTTPResult(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
        } catch {
            throw HarnessError("\(method) \(url) failed after \(ContinuousClock.now - start): \(error)")
        }
    }

    static func json(_ object: Any) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object)) ?? Data())
    }
}

/// Request bodies of the OpenAI API, for the mock model.
enum Bodies {
    static func chat(_ text: String = "hello there", model: String = "mock-echo", stream: Bool = false) -> ByteBuffer {
        var object: [String: Any] = ["model": model, "messages": [["role": "user", "content": text]]]
        if stream {
            object["stream"] = true
            object["stream_options"] = ["include_usage": true]
        }
        return HTTP.json(object)
    }

    static func completion(_ prompt: String = "say something", model: String = "mock-echo") -> ByteBuffer {
        HTTP.json(["model": model, "prompt": prompt])
    }

    static func embeddings(_ input: [String], model: String = "mock-echo") -> ByteBuffer {
        HTTP.json(["model": model, "input": input])
    }
}
