import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/messages/count_tokens` (and `/api/v1/`): the input tokens of a Messages request,
/// `{"input_tokens": N}`. Passed through to the model's first available `anthropic` provider,
/// which counts exactly (its answer, errors too, goes back as it came); for a model served only
/// by OpenAI-compatible providers, an upper bound (``PromptTokenBound``), never an under-count.
/// It costs nothing, so it passes auth and audit but neither limits nor budgets.
struct CountTokensHandler: Sendable {
    let registry: ProviderRegistry
    let maxBodyBytes: Int

    struct Count: Encodable {
        var inputTokens: Int

        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
        }
    }

    func handle(_ request: Request, context: AuthenticatedRequestContext) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodyBytes)
        } catch {
            throw OpenAIError.tooLarge(maxBodyBytes)
        }
        let probe = try RequestProbe.parse(body, dialect: .anthropic)
        context.audit.update { $0.model = probe.model }
        guard context.claims.allows(model: probe.model) else { throw OpenAIError.modelNotAllowed(probe.model) }
        let candidates = registry.candidates(for: probe.model)
        guard !candidates.isEmpty else { throw OpenAIError.modelNotFound(probe.model) }
        let now = registry.clock.now()
        let native = candidates.first { provider in
            provider.config.kind == .anthropic && provider.cooldown.availability(model: probe.model, now: now) == .available
        }
        if let native, let client = native.client as? AnthropicProviderClient {
            let headers = AnthropicProviderClient.passedRequestHeaders(from: request.headers)
            context.audit.update { $0.provider = native.name }
            let answer: UpstreamResponse
            do {
                answer = try await client.countTokens(body, requestID: context.requestID, headers: headers)
            } catch UpstreamError.timeout {
                throw OpenAIError.upstreamTimeout("\(native.name) timed out counting tokens.")
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw OpenAIError.upstreamFailed("\(native.name) could not be reached to count tokens.")
            }
            let bytes = try await answer.body.collect(upTo: 1 << 20)
            return Response(
                status: .init(code: answer.status), headers: ProxyHandler.clientHeaders(answer.headers, status: answer.status),
                body: .init(byteBuffer: bytes))
        }
        let parsed: JSONValue
        do {
            parsed = try WireJSON.decode(JSONValue.self, from: body)
        } catch {
            throw OpenAIError.invalidRequest(WireDecodingError(error).message)
        }
        let count = Count(inputTokens: PromptTokenBound.inputTokens(parsed))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: WireJSON.buffer(count)))
    }
}
