import ServiceSupport
import Foundation
import TokenProtocol

/// One upstream provider, as configured.
public struct ProviderConfig: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Any OpenAI-compatible HTTP API.
        case openai
        /// The built-in deterministic provider (echoes the last user message).
        case mock
        /// Anthropic's Messages API (`POST /v1/messages`), sent a body already in its shape.
        case anthropic
    }

    /// The `base_url` of an `anthropic` provider when the file gives none.
    public static let anthropicBaseURL = "https://api.anthropic.com"
    /// The `anthropic-version` an `anthropic` provider sends when the file gives none.
    public static let defaultAnthropicVersion = "2023-06-01"

    public var name: String
    public var kind: Kind
    /// For `openai` and `anthropic`: the API root, e.g. `https://api.openai.com` (a trailing `/v1` is accepted).
    public var baseURL: String
    /// The decrypted API key sent upstream (`Authorization: Bearer ...`; `x-api-key` for `anthropic`); nil sends none.
    public var apiKey: String?
    public var models: [String]
    public var weight: Int
    /// Whole-request limit of a non-streaming call.
    public var timeout: Duration
    /// This provider's own prices, by model (`"prices"` in the providers file); they win over the
    /// price table for its requests.
    public var prices: [String: ModelPrice]
    /// For `anthropic`: the `anthropic-version` header sent when the request carries none of its own.
    public var anthropicVersion: String

    public init(
        name: String, kind: Kind, baseURL: String = "https://api.openai.com", apiKey: String? = nil, models: [String],
        weight: Int = 1, timeout: Duration = .seconds(60), prices: [String: ModelPrice] = [:],
        anthropicVersion: String = ProviderConfig.defaultAnthropicVersion
    ) {
        self.prices = prices
        self.anthropicVersion = anthropicVersion
        self.name = name
        self.kind = kind
        self.baseURL = baseURL
        self.apiKey = apiKey
        self.models = models
        self.weight = weight
        self.timeout = timeout
    }
}

/// The providers file (`GATEWAY_PROVIDERS_FILE`, JSON). See config/providers.example.json.
///
/// ```json
/// {"providers": [
///   {"name": "openai", "type": "openai", "base_url": "https://api.openai.com",
///    "api_key_env": "OPENAI_API_KEY", "models": ["gpt-4o-mini"], "weight": 2, "timeout": "60s"},
///   {"name": "claude", "type": "anthropic", "api_key_env": "ANTHROPIC_API_KEY",
///    "models": ["claude-sonnet-4-5"], "anthropic_version": "2023-06-01"},
///   {"name": "local", "type": "mock", "models": ["mock-echo"]}
/// ]}
/// ```
/// `api_key` is a plain key or an `enc:v1:...` value; `api_key_env` names an environment variable.
/// `anthropic`: `base_url` defaults to `https://api.anthropic.com`, `anthropic_version` (only for
/// this type) to `2023-06-01`.
/// `prices` (optional): `{"MODEL": {"input_per_mtok": "0.15", "cached_input_per_mtok": "0.075",
/// "output_per_mtok": "0.60"}}`, this provider's prices, winning over the price table.
struct ProvidersFile: Decodable {
    struct Entry: Decodable {
        var name: String?
        var type: String?
        var baseURL: String?
        var apiKey: String?
        var apiKeyEnv: String?
        var models: [String]?
        var weight: Int?
        var timeout: String?
        var prices: [String: PriceTable.Entry]?
        var anthropicVersion: String?

        enum CodingKeys: String, CodingKey {
            case name, type, models, weight, timeout, prices
            case anthropicVersion = "anthropic_version"
            case baseURL = "base_url"
            case apiKey = "api_key"
            case apiKeyEnv = "api_key_env"
        }
    }

    var providers: [Entry]

    /// Parses and validates the file; problems are reported on `env` under GATEWAY_PROVIDERS_FILE.
    static func load(
        data: Data, env: inout EnvironmentReader, encryptionKey: [UInt8]
    ) -> [ProviderConfig] {
        let variable = "GATEWAY_PROVIDERS_FILE"
        let file: ProvidersFile
        do {
            file = try JSONDecoder().decode(ProvidersFile.self, from: data)
        } catch {
            env.fail(variable, "not a valid providers file (JSON with a \"providers\" array): \(error)")
            return []
        }
        var configs: [ProviderConfig] = []
        var names = Set<String>()
        for (index, entry) in file.providers.enumerated() {
            let label = "providers[\(index)]"
            guard let name = entry.name, !name.isEmpty else {
                env.fail(variable, "\(label): \"name\" is required")
                continue
            }
            guard names.insert(name).inserted else {
                env.fail(variable, "\(label): duplicate provider name \"\(name)\"")
                continue
            }
            guard let kind = ProviderConfig.Kind(rawValue: entry.type ?? "") else {
                env.fail(variable, "provider \(name): \"type\" must be openai, anthropic or mock")
                continue
            }
            let models = (entry.models ?? []).filter { !$0.isEmpty }
            guard !models.isEmpty else {
                env.fail(variable, "provider \(name): \"models\" must list at least one model")
                continue
            }
            let weight = entry.weight ?? 1
            guard weight >= 1 else {
                env.fail(variable, "provider \(name): \"weight\" must be 1 or more")
                continue
            }
            var timeout = Duration.seconds(60)
            if let text = entry.timeout {
                guard let parsed = DurationParsing.parse(text), parsed > .zero else {
                    env.fail(variable, "provider \(name): \"timeout\" must be a duration like 30s")
                    continue
                }
                timeout = parsed
            }
            var apiKey = entry.apiKey
            if let keyVariable = entry.apiKeyEnv {
                guard let value = env.raw(keyVariable) else {
                    env.fail(keyVariable, "provider \(name) takes its API key from \(keyVariable), which is unset")
                    continue
                }
                apiKey = value
            }
            if let value = apiKey, SecretBox.isEncrypted(value) {
                do {
                    apiKey = try SecretBox.decrypt(value, key: encryptionKey)
                } catch {
                    env.fail(
                        "PASSWORD_ENCRYPTION_KEY",
                        "does not decrypt the API key of provider \(name) (\(error == .malformed ? "malformed enc:v1 value" : "wrong key"))")
                    continue
                }
            }
            var prices: [String: ModelPrice] = [:]
            do {
                for (model, price) in entry.prices ?? [:] { prices[model] = try price.price(model: model) }
            } catch {
                env.fail(variable, "provider \(name): prices: \(error.description)")
                continue
            }
            let baseURL = entry.baseURL ?? (kind == .anthropic ? ProviderConfig.anthropicBaseURL : "https://api.openai.com")
            if kind != .mock, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
                env.fail(variable, "provider \(name): \"base_url\" must start with http:// or https://")
                continue
            }
            if kind != .anthropic, entry.anthropicVersion != nil {
                env.fail(variable, "provider \(name): \"anthropic_version\" applies to type anthropic only")
                continue
            }
            let anthropicVersion = entry.anthropicVersion ?? ProviderConfig.defaultAnthropicVersion
            guard Self.isHeaderValue(anthropicVersion) else {
                env.fail(variable, "provider \(name): \"anthropic_version\" must be a version like 2023-06-01")
                continue
            }
            configs.append(
                ProviderConfig(
                    name: name, kind: kind, baseURL: baseURL, apiKey: apiKey, models: models, weight: weight, timeout: timeout,
                    prices: prices, anthropicVersion: anthropicVersion))
        }
        if file.providers.isEmpty { env.fail(variable, "lists no providers") }
        return configs
    }

    /// Non-empty printable ASCII without spaces: what may go into a header such as `anthropic-version`.
    static func isHeaderValue(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
