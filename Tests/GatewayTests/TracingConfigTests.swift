import Foundation
import NIOCore
import NIOHTTP1
import Testing
import Tracing
import ServiceSupport
@testable import Gateway

/// `GATEWAY_TRACING`, the `OTEL_*` values refused at startup, and what the provider call's span
/// reads from an answer (README.md, "Traces").
@Suite struct TracingConfigTests {
    static let production = GatewayInboundConfigTests.production

    @Test func tracingIsOffByDefaultAndOnWhenAsked() throws {
        #expect(try GatewayConfiguration.load(from: Self.production).tracing == false)
        var on = Self.production
        on["GATEWAY_TRACING"] = "on"
        on["OTEL_TRACES_SAMPLER"] = "parentbased_traceidratio"
        on["OTEL_TRACES_SAMPLER_ARG"] = "0.01"
        #expect(try GatewayConfiguration.load(from: on).tracing)
        var bad = Self.production
        bad["GATEWAY_TRACING"] = "yes"
        #expect(throws: ConfigurationErrors.self) { try GatewayConfiguration.load(from: bad) }
    }

    /// swift-otel 1.6 would stop the process on these (a fatalError): refused, naming the variable.
    @Test(arguments: [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
        ("OTEL_TRACES_SAMPLER", "jaeger_remote"), ("OTEL_TRACES_SAMPLER", "xray"), ("OTEL_TRACES_EXPORTER", "zipkin"),
        ("OTEL_TRACES_SAMPLER_ARG", "2"),
    ])
    func valuesSwiftOTelCannotServeAreRefused(variable: String, value: String) throws {
        var env = Self.production
        env["GATEWAY_TRACING"] = "on"
        env[variable] = value
        let refusal = #expect(throws: ConfigurationErrors.self) { try GatewayConfiguration.load(from: env) }
        #expect(refusal.map { "\($0)".contains(variable) } == true, "\(String(describing: refusal))")
        // With tracing off, they are not this process's business.
        env["GATEWAY_TRACING"] = "off"
        #expect(try GatewayConfiguration.load(from: env).tracing == false)
    }

    @Test func theAnswersModelAndFinishReasonsAreReadWithoutDecoding() {
        let tail = Array(
            #"data: {"id":"c","model":"gpt-4o","choices":[{"delta":{"content":"say \"finish_reason\": \"x\""},"finish_reason":null}]}"#
                .utf8)
            + Array(#"data: {"model":"gpt-4o","choices":[{"delta":{},"finish_reason":"stop"}]}"#.utf8)
        #expect(AnswerFields.strings(named: "model", in: tail) == ["gpt-4o", "gpt-4o"])
        #expect(AnswerFields.strings(named: "finish_reason", in: tail) == ["stop"])
        let anthropic = Array(#"{"type":"message_delta","delta":{"stop_reason" : "end_turn"}}"#.utf8)
        #expect(AnswerFields.strings(named: "stop_reason", in: anthropic) == ["end_turn"])
        #expect(AnswerFields.strings(named: "model", in: Array(#"{"model""#.utf8)).isEmpty)
    }

    @Test func operationNamesFollowTheGenAIConventions() {
        #expect(ProviderCallSpan.operationName(.chatCompletions) == "chat")
        #expect(ProviderCallSpan.operationName(.messages) == "chat")
        #expect(ProviderCallSpan.operationName(.completions) == "text_completion")
        #expect(ProviderCallSpan.operationName(.embeddings) == "embeddings")
        #expect(ProviderCallSpan.system(.anthropic) == "anthropic" && ProviderCallSpan.system(.openai) == "openai")
    }

    /// With tracing off there is no current context: nothing goes on an outgoing request.
    @Test func noTraceHeadersWithoutAContext() {
        var headers = HTTPHeaders()
        TraceHeaders.inject(into: &headers)
        #expect(headers.isEmpty)
    }
}
