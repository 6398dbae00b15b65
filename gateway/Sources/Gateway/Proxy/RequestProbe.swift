import NIOCore
import ServiceSupport

/// The fields the gateway reads from a client's body: `model` (to route), `stream`, and whether
/// the client asked for the stream's usage (`stream_options.include_usage`). The body itself is
/// forwarded untouched, except that a stream is asked for its usage (``StreamUsage``). Read with
/// the gateway's own JSON reader (``WireJSON``): Foundation's decoder cost 18 allocations a request
/// for these few fields (bench/HISTORY.md, issue 18).
struct RequestProbe: Decodable {
    var model: String
    var stream: Bool
    /// The body has a `stream_options` member.
    var hasStreamOptions = false
    /// `stream_options.include_usage` is `true`.
    var includeUsage = false
    /// The client's bound on completion tokens (`max_completion_tokens`, else `max_tokens`), per choice.
    var maxOutputTokens: Int?
    /// Choices asked for (`n`, default 1): each may write up to the bound.
    var choices = 1

    enum CodingKeys: String, CodingKey {
        case model, stream, n
        case streamOptions = "stream_options"
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
    }

    enum StreamOptionsKeys: String, CodingKey {
        case includeUsage = "include_usage"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        stream = (try? container.decodeIfPresent(Bool.self, forKey: .stream)) ?? false
        maxOutputTokens =
            (try? container.decodeIfPresent(Int.self, forKey: .maxCompletionTokens))
            ?? (try? container.decodeIfPresent(Int.self, forKey: .maxTokens))
        choices = max(1, (try? container.decodeIfPresent(Int.self, forKey: .n)) ?? 1)
        if container.contains(.streamOptions) {
            hasStreamOptions = true
            let options = try? container.nestedContainer(keyedBy: StreamOptionsKeys.self, forKey: .streamOptions)
            includeUsage = (try? options?.decodeIfPresent(Bool.self, forKey: .includeUsage)) ?? false
        }
    }

    /// Parses `body`, or throws the 400 a client should see, worded as the client's API words it.
    static func parse(_ body: ByteBuffer, dialect: APIDialect = .openAI) throws -> RequestProbe {
        let anthropic = dialect == .anthropic
        let missingModel =
            anthropic
            ? OpenAIError.invalidRequest("model: Field required", param: "model", code: "missing_required_parameter")
            : OpenAIError.invalidRequest("you must provide a model parameter", param: "model", code: "missing_required_parameter")
        let notJSON =
            anthropic
            ? OpenAIError.invalidRequest("The request body is not valid JSON.", code: "invalid_json")
            : OpenAIError.invalidRequest(
                "We could not parse the JSON body of your request. The OpenAI API expects a JSON payload.", code: "invalid_json")
        guard body.readableBytes > 0 else {
            throw anthropic
                ? notJSON
                : OpenAIError.invalidRequest("The request body is empty; the OpenAI API expects a JSON payload.", code: "invalid_json")
        }
        let probe: RequestProbe
        do {
            probe = try WireJSON.decode(RequestProbe.self, from: body)
        } catch DecodingError.keyNotFound(let key, _) where key.stringValue == "model" {
            throw missingModel
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.first?.stringValue == "model" {
            throw OpenAIError.invalidRequest(anthropic ? "model: Input should be a valid string" : "model must be a string", param: "model")
        } catch {
            throw notJSON
        }
        guard !probe.model.isEmpty else { throw missingModel }
        return probe
    }
}
