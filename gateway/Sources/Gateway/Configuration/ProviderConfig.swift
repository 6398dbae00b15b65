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
    }

    public var name: String
    public var kind: Kind
    /// For `openai`: the API root, e.g. `https://api.openai.com` (a trailing `/v1` is accepted).
    public var baseURL: String
    /// The decrypted API key sent upstream as `Authorization: Bearer ...`; nil sends none.
    public var apiKey: String?
    public var models: [String]
    public var weight: Int
    /// Whole-request limit of a non-streaming call.
    public var timeout: Duration
    /// This provider's own prices, by model (`"prices"` in the providers file); they win over the
    /// price table for its requests.
    public var prices: [String: ModelPrice]

    public init(
        name: String, kind: Kind, baseURL: String = "https://api.openai.com", apiKey: String? = nil, models: [String],
        weight: Int = 1, timeout: Duration = .seconds(60), prices: [String: ModelPrice] = [:]
    ) {
        self.prices = prices
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
///   {"name": "local", "type": "mock", "models": ["mock-echo"]}
/// ]}
/// ```
/// `api_key` is a plain key or an `enc:v1:...` value; `api_key_env` names an environment variable.
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

        enum CodingKeys: String, CodingKey {
            case name, type, models, weight, timeout, prices
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
                env.fail(variable, "provider \(name): \"type\" must be openai or mock")
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
            let baseURL = entry.baseURL ?? "https://api.openai.com"
            if kind == .openai, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
                env.fail(variable, "provider \(name): \"base_url\" must start with http:// or https://")
                continue
            }
            configs.append(
                ProviderConfig(
                    name: name, kind: kind, baseURL: baseURL, apiKey: apiKey, models: models, weight: weight, timeout: timeout,
                    prices: prices))
        }
        if file.providers.isEmpty { env.fail(variable, "lists no providers") }
        return configs
    }
}
