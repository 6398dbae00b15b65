import ServiceSupport
import TokenProtocol

/// A configured provider with its client and routing statistics.
public final class Provider: Sendable {
    public let config: ProviderConfig
    public let client: any ProviderClient
    public let stats = ProviderStats()
    /// Its rate limits and rejected keys (see ``FallbackPolicy``).
    public let cooldown = ProviderCooldown()
    /// The price of each of its models: its own `prices`, else the price table's; absent: unpriced.
    public let prices: [String: ModelPrice]

    public init(config: ProviderConfig, client: any ProviderClient, priceTable: PriceTable = .builtIn) {
        self.config = config
        self.client = client
        var prices: [String: ModelPrice] = [:]
        for model in config.models {
            if let price = config.prices[model] ?? priceTable.models[model] { prices[model] = price }
        }
        self.prices = prices
    }

    public var name: String { config.name }

    /// What `model` costs when this provider serves it; nil when unpriced.
    public func price(for model: String) -> ModelPrice? { prices[model] }
}

/// One entry of `/v1/models`.
public struct ModelEntry: Sendable, Equatable, Encodable {
    public var id: String
    public var object = "model"
    public var created: Int
    public var ownedBy: String

    enum CodingKeys: String, CodingKey {
        case id, object, created
        case ownedBy = "owned_by"
    }
}

/// Every provider, indexed by the models it serves, and the strategy that orders them.
public final class ProviderRegistry: Sendable {
    public let providers: [Provider]
    public let strategy: any RoutingStrategy
    let byModel: [String: [Provider]]
    /// The union of all providers' models, deduplicated by id and sorted.
    public let models: [ModelEntry]
    let clock: any WallClock

    public init(providers: [Provider], strategy: any RoutingStrategy, clock: any WallClock = SystemWallClock()) {
        self.providers = providers
        self.strategy = strategy
        self.clock = clock
        var byModel: [String: [Provider]] = [:]
        for provider in providers {
            for model in provider.config.models where !(byModel[model]?.contains { $0 === provider } ?? false) {
                byModel[model, default: []].append(provider)
            }
        }
        self.byModel = byModel
        models = byModel.keys.sorted().map { model in
            ModelEntry(id: model, created: 1_700_000_000, ownedBy: byModel[model]![0].name)
        }
    }

    /// The providers serving `model`, in the order to try them; empty when none does.
    public func candidates(for model: String) -> [Provider] {
        guard let providers = byModel[model] else { return [] }
        return strategy.order(providers, model: model, now: clock.now())
    }

    public func serves(_ model: String) -> Bool { byModel[model] != nil }

    /// Builds the providers' clients from configuration.
    public static func build(
        _ configs: [ProviderConfig], http: HTTPTimeoutConfig, strategy: RoutingStrategyKind, prices: PriceTable = .builtIn,
        clock: any WallClock = SystemWallClock()
    ) -> ProviderRegistry {
        let providers = configs.map { config -> Provider in
            switch config.kind {
            case .openai: Provider(config: config, client: OpenAIProviderClient(config: config, http: http), priceTable: prices)
            case .mock: Provider(config: config, client: MockProviderClient(), priceTable: prices)
            case .anthropic: Provider(config: config, client: AnthropicProviderClient(config: config, http: http), priceTable: prices)
            }
        }
        return ProviderRegistry(providers: providers, strategy: strategy.makeStrategy(), clock: clock)
    }

    public func shutdown() async {
        for provider in providers { try? await provider.client.shutdown() }
    }
}
