import HTTPTypes
import Hummingbird
import Tracing

/// The server span of every request (OpenTelemetry's HTTP server conventions), first in the
/// router's chain, added only with tracing on: the W3C `traceparent`/`tracestate` of the caller
/// are honoured (the span joins the caller's trace), the span is the request's current context
/// for every stage behind it. It ends when the response is handed to the server if its body has a
/// known length (the bytes are in hand), or when a stream's last byte was written. A 5xx answer
/// marks it as an error. No header, query or body is recorded: a request's token or key never
/// reaches a span.
public struct ServerSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let span = startSpan("\(request.method.rawValue) \(request.uri.path)", context: parent, ofKind: .server)
        // A sampled-out span records nothing: no attributes built, no body wrapped.
        guard span.isRecording else {
            defer { span.end() }
            var sampledOut = span.context
            sampledOut.traceSampledOut = true
            return try await ServiceContext.$current.withValue(sampledOut) { try await next(request, context) }
        }
        span.updateAttributes { attributes in
            attributes["http.request.method"] = request.method.rawValue
            attributes["url.path"] = request.uri.path
            attributes["url.scheme"] = request.head.scheme ?? "http"
            if let length = request.headers[.contentLength].flatMap({ Int($0) }) { attributes["http.request.body.size"] = length }
            if let agent = request.headers[.userAgent] { attributes["user_agent.original"] = agent }
        }
        do {
            var response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            let status = Int(response.status.code)
            if let route = context.endpointPath { span.operationName = "\(request.method.rawValue) \(route)" }
            // One copy of the span's attributes for both (each `span.attributes[...] =` copies them).
            span.updateAttributes { attributes in
                if let route = context.endpointPath { attributes["http.route"] = route }
                attributes["http.response.status_code"] = status
            }
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
            let body = response.body
            // A body of known length is in hand (a buffered answer, an error; the services have no
            // closure bodies of known length): the span ends here and the body stays as it is, so
            // Hummingbird writes head, body and end in one write and one flush. Wrapping it in a
            // closure to end the span after the write costs three writes and flushes (profiled: about
            // 40 µs of gateway CPU per request at 100% sampling). A stream's span ends at its last byte.
            guard body.contentLength == nil else {
                span.end()
                return response
            }
            response.body = ResponseBody { writer in
                do {
                    try await body.write(writer)
                    span.end()
                } catch {
                    span.end()
                    throw error
                }
            }
            return response
        } catch {
            let status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            span.updateAttributes { attributes in
                if let route = context.endpointPath { attributes["http.route"] = route }
                attributes["http.response.status_code"] = status
            }
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
            span.recordError(error)
            span.end()
            throw error
        }
    }
}

/// Reads W3C trace context (and any other propagated field) from request headers.
public struct HTTPFieldsExtractor: Extractor {
    public init() {}

    public func extract(key: String, from carrier: HTTPFields) -> String? {
        guard let name = HTTPField.Name(key) else { return nil }
        return carrier[name]
    }
}
