import HTTPTypes
import Hummingbird
import Tracing

/// The server span of every request (OpenTelemetry's HTTP server conventions), first in the
/// router's chain, added only with tracing on: the W3C `traceparent`/`tracestate` of the caller
/// are honoured (the span joins the caller's trace), the span is the request's current context
/// for every stage behind it, and it ends when the response's last byte was written (a stream's
/// too). A 5xx answer marks it as an error. No header, query or body is recorded: a request's
/// token or key never reaches a span.
public struct ServerSpanMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let span = startSpan("\(request.method.rawValue) \(request.uri.path)", context: parent, ofKind: .server)
        // A sampled-out span records nothing: no attributes built, no body wrapped.
        guard span.isRecording else {
            defer { span.end() }
            return try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
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
            if let route = context.endpointPath {
                span.operationName = "\(request.method.rawValue) \(route)"
                span.attributes["http.route"] = route
            }
            span.attributes["http.response.status_code"] = status
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
            let body = response.body
            response.body = ResponseBody(contentLength: body.contentLength) { writer in
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
            if let route = context.endpointPath { span.attributes["http.route"] = route }
            span.attributes["http.response.status_code"] = status
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
