import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// OpenTelemetry traces across both executables (README.md, "Traces"): a test OTLP/HTTP receiver
/// (Tests/tracing/otlp_receiver.py, decoding the protobuf with `opentelemetry-proto`) collects what
/// the gateway and the runtime export. Needs `LJQ_PYTHON` with that package (the repository check
/// installs it).
@Suite(
    .enabled(
        if: ProcessInfo.processInfo.environment["LJQ_PYTHON"].map { !$0.isEmpty } ?? false,
        "set LJQ_PYTHON to a Python interpreter that has the opentelemetry-proto package"),
    .timeLimit(.minutes(3)))
struct TracingTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let clientSpanID = "00f067aa0ba902b7"
    /// A prompt word that must never reach an exported span (the mock echoes it in the completion too).
    static let secretWord = "zebraquokkamarker"

    /// A chat through `gateway` whose client sends a `traceparent` (flags `01` sampled, `00` not).
    static func tracedChat(
        _ gateway: GatewayProcess, token: String, _ prompt: String, stream: Bool, traceID: String = traceID,
        parent: String = clientSpanID, flags: String = "01"
    ) async throws -> HTTPResult {
        try await HTTP.send(
            .POST, gateway.baseURL + "/v1/chat/completions",
            headers: GatewayProcess.auth(token) + [("traceparent", "00-\(traceID)-\(parent)-\(flags)")],
            body: Bodies.chat(prompt, stream: stream))
    }

    /// The `traceparent` the mock provider last received.
    static func traceparentSeen(by upstream: MockUpstream) async throws -> String {
        let seen = try await HTTP.send(.GET, "http://127.0.0.1:\(upstream.port)/mock/last-headers")
        return try #require(seen.json["traceparent"] as? String, "\(seen)")
    }

    @Test func aStreamedChatWithACacheMissIsOneTraceAcrossGatewayRuntimeAndProvider() async throws {
        try await TestStack.run { stack in
            let receiver = try await OTLPReceiver.start(in: stack)
            async let runtimeStart = stack.tokenRuntime(environment: receiver.environment(tracing: "TOKEN_RUNTIME_TRACING"))
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)],
                environment: receiver.environment(tracing: "GATEWAY_TRACING"))
            let issued = try await runtime.issue(subject: "traced")

            let stream = try await Self.tracedChat(gateway, token: issued.token, "one two three four \(Self.secretWord)", stream: true)
            #expect(stream.status == 200, stack.logs("\(stream)"))
            let usage = try #require(SSE.dataEvents(stream.body).compactMap { $0["usage"] as? [String: Any] }.last, "\(stream)")

            // The provider received the trace's context.
            let traceparent = try await Self.traceparentSeen(by: upstream)
            #expect(traceparent.hasPrefix("00-\(Self.traceID)-"), "\(traceparent)")

            // Wait for every part: the gateway's server span ends after the stream's last byte.
            var spans: [ExportedSpan] = []
            _ = try await poll(timeout: .seconds(20), every: .milliseconds(200)) {
                spans = try await receiver.spans().filter { $0.traceID == Self.traceID }
                return spans.contains { $0.name == "gateway.audit" } && spans.contains { $0.service == "platform-token-runtime" }
                    && spans.contains { $0.kind == "server" && $0.service == "lijiaoqiao-gateway" }
                    && spans.contains { $0.attributes["gen_ai.usage.output_tokens"] != nil }
            }
            let names = spans.map { "\($0.service ?? "?"):\($0.name)" }
            func one(_ name: String, service: String = "lijiaoqiao-gateway") throws -> ExportedSpan {
                try #require(spans.first { $0.name == name && $0.service == service }, "no \(name) in \(names)")
            }
            let server = try #require(spans.first { $0.kind == "server" && $0.service == "lijiaoqiao-gateway" }, "\(names)")
            #expect(server.parentSpanID == Self.clientSpanID, "the client's traceparent is the server span's parent")
            #expect(server.name == "POST /v1/chat/completions")
            #expect(server.attributes["http.response.status_code"] as? Int == 200)
            #expect(server.attributes["http.route"] as? String == "/v1/chat/completions")

            let auth = try one("gateway.authenticate")
            #expect(auth.parentSpanID == server.spanID)
            #expect(auth.attributes["ljq.auth.cache"] as? String == "miss")
            let introspect = try one("token_runtime.introspect")
            #expect(introspect.parentSpanID == auth.spanID)
            #expect(introspect.kind == "client")
            let runtimeIntrospection = try #require(
                spans.first { $0.service == "platform-token-runtime" && $0.name.contains("/v1/introspect") }, "\(names)")
            #expect(runtimeIntrospection.kind == "server")
            #expect(
                ancestors(of: runtimeIntrospection, in: spans).contains(introspect.spanID),
                "the runtime's server span continues the introspection call: \(names)")

            let limits = try one("gateway.limits")
            #expect(limits.parentSpanID == server.spanID)
            let route = try one("gateway.route")
            #expect(route.parentSpanID == server.spanID)
            #expect(route.attributes["ljq.route.provider"] as? String == "mock")
            #expect(route.attributes["ljq.route.attempts"] as? Int == 1)
            #expect(route.attributes["ljq.route.fallback"] as? Bool == false)

            let call = try one("chat mock-echo")
            #expect(call.kind == "client")
            #expect(call.parentSpanID == route.spanID)
            #expect(call.attributes["gen_ai.system"] as? String == "openai")
            #expect(call.attributes["gen_ai.operation.name"] as? String == "chat")
            #expect(call.attributes["gen_ai.request.model"] as? String == "mock-echo")
            #expect(call.attributes["gen_ai.response.model"] as? String == "mock-echo")
            #expect(call.attributes["gen_ai.response.finish_reasons"] as? [String] == ["stop"])
            #expect(call.attributes["gen_ai.usage.input_tokens"] as? Int == usage["prompt_tokens"] as? Int)
            #expect(call.attributes["gen_ai.usage.output_tokens"] as? Int == usage["completion_tokens"] as? Int)
            #expect(call.attributes["gen_ai.usage.input_tokens"] as? Int == 5, "the mock counts words")
            #expect(call.events.contains { $0 == "gen_ai.first_byte" })
            // The provider's parent: the HTTP client's span below the call (or the call itself).
            let providerParent = try #require(spans.first { traceparent.contains("-\($0.spanID)-") }, "\(traceparent) in \(names)")
            #expect(providerParent.spanID == call.spanID || ancestors(of: providerParent, in: spans).contains(call.spanID))

            let audit = try one("gateway.audit")
            #expect(audit.parentSpanID == server.spanID)
            #expect(audit.attributes["gen_ai.usage.output_tokens"] as? Int == usage["completion_tokens"] as? Int)

            // Nothing secret in anything exported: the token, the provider key, the prompt (and
            // the completion, which echoes it).
            let raw = try await receiver.raw()
            for secret in [issued.token, "sk-integration-test", Self.secretWord, TestStack.introspectionSecret, TestStack.adminKey] {
                #expect(raw.range(of: Data(secret.utf8)) == nil, "an exported span carries \(secret.prefix(6))…")
            }
        }
    }

    /// A buffered answer: the same tree as a stream's, and the server span (ended when the answer
    /// is handed to the server, so that Hummingbird writes it in one go) still spans its children.
    @Test func aBufferedChatIsTheSameTreeAndTheServerSpanCoversItsChildren() async throws {
        try await TestStack.run { stack in
            let receiver = try await OTLPReceiver.start(in: stack)
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)],
                environment: receiver.environment(tracing: "GATEWAY_TRACING"))
            let issued = try await runtime.issue(subject: "traced")
            let answer = try await Self.tracedChat(gateway, token: issued.token, "one two three", stream: false)
            #expect(answer.status == 200, stack.logs("\(answer)"))
            #expect(answer.json["choices"] != nil, "\(answer)")

            var spans: [ExportedSpan] = []
            _ = try await poll(timeout: .seconds(20), every: .milliseconds(200)) {
                spans = try await receiver.spans().filter { $0.traceID == Self.traceID }
                return spans.contains { $0.name == "gateway.audit" } && spans.contains { $0.kind == "server" }
            }
            let names = spans.map(\.name)
            let server = try #require(spans.first { $0.kind == "server" }, "\(names)")
            #expect(server.name == "POST /v1/chat/completions")
            #expect(server.parentSpanID == Self.clientSpanID)
            #expect(server.attributes["http.response.status_code"] as? Int == 200)
            #expect(server.attributes["http.route"] as? String == "/v1/chat/completions")
            for name in ["gateway.authenticate", "gateway.limits", "gateway.route", "gateway.audit"] {
                let child = try #require(spans.first { $0.name == name }, "no \(name) in \(names)")
                #expect(child.parentSpanID == server.spanID, "\(name)")
            }
            let route = try #require(spans.first { $0.name == "gateway.route" }, "\(names)")
            let call = try #require(spans.first { $0.name == "chat mock-echo" }, "\(names)")
            #expect(call.parentSpanID == route.spanID)
            #expect(call.attributes["gen_ai.response.finish_reasons"] as? [String] == ["stop"])
            #expect(call.attributes["gen_ai.usage.input_tokens"] as? Int == 3, "the mock counts words")
            for span in spans where span.spanID != server.spanID {
                #expect(span.start >= server.start && span.end <= server.end, "\(span.name) outside the server span")
            }
        }
    }

    @Test func aProviderFailingMidStreamIsAnErrorSpanAndItsLogLineCarriesTheTraceID() async throws {
        try await TestStack.run { stack in
            let receiver = try await OTLPReceiver.start(in: stack)
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream(streamCutAfter: 2)
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            var environment = receiver.environment(tracing: "GATEWAY_TRACING")
            environment["GATEWAY_LOG_LEVEL"] = "warning"
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)], environment: environment)
            let issued = try await runtime.issue()
            let traceID = "0af7651916cd43dd8448eb211c80319c"
            let answer = try await Self.tracedChat(
                gateway, token: issued.token, "one two three four five six", stream: true, traceID: traceID, parent: "b7ad6b7169203331")
            #expect(answer.status == 200, stack.logs("\(answer)"))

            var call: ExportedSpan?
            _ = try await poll(timeout: .seconds(20), every: .milliseconds(200)) {
                call = try await receiver.spans().first { $0.traceID == traceID && $0.name == "chat mock-echo" }
                return call != nil
            }
            let failed = try #require(call, stack.logs)
            #expect(failed.statusCode == 2, "the call span's status is ERROR")
            #expect(failed.attributes["error.type"] as? String == "502")
            #expect(failed.events.contains("gen_ai.first_byte"))
            // The warning the gateway logged mid-stream names the trace and the call's span.
            let line = gateway.process.stderr.split(separator: "\n").first { $0.contains("provider failed mid-stream") }
            #expect(line?.contains("trace_id=\(traceID)") == true, stack.logs("\(line ?? "no such line")"))
            #expect(line?.contains("span_id=\(failed.spanID)") == true, stack.logs("\(line ?? "no such line")"))
        }
    }

    @Test func samplingRatioZeroExportsNothing() async throws {
        try await TestStack.run { stack in
            let receiver = try await OTLPReceiver.start(in: stack)
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            var environment = receiver.environment(tracing: "GATEWAY_TRACING")
            environment["OTEL_TRACES_SAMPLER"] = "traceidratio"
            environment["OTEL_TRACES_SAMPLER_ARG"] = "0"
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)], environment: environment)
            let issued = try await runtime.issue()
            for _ in 0..<5 {
                let answer = try await gateway.post("/v1/chat/completions", token: issued.token, body: Bodies.chat("hi", stream: true))
                #expect(answer.status == 200, stack.logs("\(answer)"))
            }
            // Sampled out, the stages start no spans, but the trace still reaches the provider
            // unsampled (flags 00) under the client's trace id, so the provider does not sample it either.
            let traced = try await Self.tracedChat(gateway, token: issued.token, "hi", stream: false, flags: "00")
            #expect(traced.status == 200, stack.logs("\(traced)"))
            let traceparent = try await Self.traceparentSeen(by: upstream)
            #expect(traceparent.hasPrefix("00-\(Self.traceID)-"), "\(traceparent)")
            #expect(traceparent.hasSuffix("-00"), "\(traceparent)")
            try await Task.sleep(for: .seconds(1))  // 10 export intervals
            #expect(try await receiver.spans().isEmpty)
        }
    }

    @Test func aCollectorThatIsDownCostsRequestsNothing() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let nobody = try FreePort.next()  // nothing listens there
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)],
                environment: [
                    "GATEWAY_TRACING": "on", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(nobody)", "OTEL_BSP_SCHEDULE_DELAY": "50",
                ])
            let issued = try await runtime.issue()
            let start = ContinuousClock.now
            for index in 0..<30 {
                let answer = try await gateway.post(
                    "/v1/chat/completions", token: issued.token, body: Bodies.chat("hi \(index)", stream: index % 2 == 0),
                    timeout: .seconds(5))
                #expect(answer.status == 200, stack.logs("\(answer)"))
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .seconds(15), "30 requests took \(elapsed) with the collector down")
            #expect(gateway.process.isRunning)
        }
    }
}

/// The span ids above `span` (its parent, the parent's parent, ...), as far as `spans` knows them.
private func ancestors(of span: ExportedSpan, in spans: [ExportedSpan]) -> [String] {
    var chain: [String] = []
    var parent = span.parentSpanID
    while !parent.isEmpty, !chain.contains(parent) {
        chain.append(parent)
        parent = spans.first { $0.spanID == parent }?.parentSpanID ?? ""
    }
    return chain
}

struct ExportedSpan {
    var traceID: String
    var spanID: String
    var parentSpanID: String
    var name: String
    var kind: String
    var service: String?
    var attributes: [String: Any]
    var events: [String]
    /// 0 unset, 1 OK, 2 ERROR.
    var statusCode: Int
    /// Nanoseconds since the epoch.
    var start: UInt64 = 0
    var end: UInt64 = 0
}

/// Tests/tracing/otlp_receiver.py on a free port.
struct OTLPReceiver: Sendable {
    let port: Int

    static func start(in stack: TestStack) async throws -> OTLPReceiver {
        let python = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_PYTHON"]))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("tracing/otlp_receiver.py")
        let port = try FreePort.next()
        let process = try stack.launch(
            "otlp-receiver", executableURL: python, arguments: [script.path, String(port)], environment: ["PYTHONUNBUFFERED": "1"])
        let ready = await poll(timeout: .seconds(20), every: .milliseconds(100)) {
            guard process.isRunning else { return true }
            return (try? await HTTP.send(.GET, "http://127.0.0.1:\(port)/healthz", timeout: .seconds(2)))?.status == 200
        }
        guard ready != nil, process.isRunning else { throw HarnessError("the OTLP receiver did not start\n\(process.logTail())") }
        return OTLPReceiver(port: port)
    }

    /// A service's environment exporting here, quickly (every 100 ms).
    func environment(tracing variable: String) -> [String: String] {
        [variable: "on", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)", "OTEL_BSP_SCHEDULE_DELAY": "100"]
    }

    func spans() async throws -> [ExportedSpan] {
        let answer = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/spans")
        let all = answer.json["spans"] as? [[String: Any]] ?? []
        return all.map { span in
            ExportedSpan(
                traceID: span["trace_id"] as? String ?? "", spanID: span["span_id"] as? String ?? "",
                parentSpanID: span["parent_span_id"] as? String ?? "", name: span["name"] as? String ?? "",
                kind: span["kind"] as? String ?? "", service: span["service"] as? String,
                attributes: span["attributes"] as? [String: Any] ?? [:],
                events: (span["events"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String },
                statusCode: span["status_code"] as? Int ?? 0, start: (span["start_ns"] as? NSNumber)?.uint64Value ?? 0,
                end: (span["end_ns"] as? NSNumber)?.uint64Value ?? 0)
        }
    }

    func raw() async throws -> Data {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/raw")
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Data(try await response.body.collect(upTo: 64 << 20).readableBytesView)
    }
}
