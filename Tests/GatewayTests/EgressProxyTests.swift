@testable import Gateway
import ServiceSupport
import Testing

/// HTTPS_PROXY / HTTP_PROXY / NO_PROXY as curl and Go read them, and GATEWAY_PROVIDER_CA_FILE.
@Suite struct EgressProxyTests {
    static func load(_ values: [String: String]) -> (EgressProxy?, [String]) {
        var env = EnvironmentReader(values)
        let proxy = EgressProxy.load(from: &env)
        return (proxy, env.errors.map(\.variable))
    }

    @Test func eachSchemeUsesItsOwnProxyAndLowerCaseWins() throws {
        let (proxy, errors) = Self.load([
            "HTTPS_PROXY": "http://upper:1", "https_proxy": "http://user:secret@egress.internal:3128", "HTTP_PROXY": "plain.internal:8080",
        ])
        #expect(errors.isEmpty)
        let https = try #require(proxy?.proxy(for: "https://api.openai.com/v1"))
        #expect(https == EgressProxy.Server(host: "egress.internal", port: 3128, basicCredentials: "user:secret"))
        #expect(proxy?.proxy(for: "http://10.0.0.5:8000/v1") == EgressProxy.Server(host: "plain.internal", port: 8080, basicCredentials: nil))
        #expect(Self.load([:]).0 == nil)
        #expect(Self.load(["HTTP_PROXY": "http://only-http:1"]).0?.proxy(for: "https://api.anthropic.com/v1") == nil)
    }

    @Test func noProxyTakesHostsDomainsPortsAndStar() throws {
        let proxy = try #require(
            Self.load(["HTTPS_PROXY": "http://p:1", "HTTP_PROXY": "http://p:1", "NO_PROXY": "localhost, .internal.example,vllm:8000,10.0.0.7"]).0)
        #expect(proxy.proxy(for: "https://api.openai.com/v1") != nil)
        #expect(proxy.proxy(for: "http://localhost:9000") == nil)
        #expect(proxy.proxy(for: "https://llm.internal.example/v1") == nil)
        #expect(proxy.proxy(for: "https://internal.example/v1") == nil)
        #expect(proxy.proxy(for: "https://notinternal.example/v1") != nil)
        #expect(proxy.proxy(for: "http://vllm:8000/v1") == nil)
        #expect(proxy.proxy(for: "http://vllm:8001/v1") != nil)
        #expect(proxy.proxy(for: "http://10.0.0.7/v1") == nil)
        let all = try #require(Self.load(["HTTPS_PROXY": "http://p:1", "no_proxy": "*"]).0)
        #expect(all.proxy(for: "https://api.openai.com/v1") == nil)
    }

    @Test func aMalformedProxyOrCAFileFailsStartupNamingTheVariable() {
        #expect(Self.load(["HTTPS_PROXY": "socks5://p:1"]).1 == ["HTTPS_PROXY"])
        #expect(Self.load(["http_proxy": "http://"]).1 == ["HTTP_PROXY"])
        var env = EnvironmentReader(["GATEWAY_PROVIDER_CA_FILE": "/nonexistent/ca.pem"])
        #expect(HTTPTimeoutConfig.load(from: &env).providerCAFile == nil)
        #expect(env.errors.map(\.variable) == ["GATEWAY_PROVIDER_CA_FILE"])
    }
}
