import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceSupport
import Testing

@testable import Gateway

/// The `anthropic` provider type: its configuration and ``AnthropicProviderClient``.
@Suite struct AnthropicUpstreamTests {
    static let key = "sk-ant-mock-key"

    // MARK: configuration

    @Test func theProvidersFileTakesAnthropicWithItsDefaults() async throws {
        let file = #"""
            {"providers":[{"name":"claude","type":"anthropic","api_key":"sk-ant-x","models":["claude-sonnet-4-5"]},
            {"name":"pinned","type":"anthropic","base_url":"http://127.0.0.1:9","models":["m"],"anthropic_version":"2024-01-01"}]}
            """#
        let configuration = try GatewayHarness.configuration(providers: file)
        #expect(
            configuration.providers == [
                ProviderConfig(
                    name: "claude", kind: .anthropic, baseURL: "https://api.anthropic.com", apiKey: "sk-ant-x", models: ["claude-sonnet-4-5"],
                    anthropicVersion: "2023-06-01"),
                ProviderConfig(name: "pinned", kind: .anthropic, baseURL: "http://127.0.0.1:9", models: ["m"], anthropicVersion: "2024-01-01"),
            ])
        let registry = ProviderRegistry.build(configuration.providers, http: HTTPTimeoutConfig(), strategy: .roundRobin)
        #expect(registry.providers.allSatisfy { $0.client is AnthropicProviderClient })
        let client = registry.providers[0].client as? AnthropicProviderClient
        #expect(client?.root == "https://api.anthropic.com/v1")
        #expect(client?.anthropicVersion == "2023-06-01")
        await registry.shutdown()
    }

    @Test(arguments: [
        #"{"providers":[{"name":"a","type":"openai","models":["m"],"anthropic_version":"2023-06-01"}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"anthropic_version":""}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"anthropic_version":"2023 06 01"}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"base_url":"api.anthropic.com"}]}"#,
    ])
    func badAnthropicProvidersAreRefused(_ file: String) {
        #expect(throws: ConfigurationErrors.self) { try GatewayHarness.configuration(providers: file) }
    }
}
