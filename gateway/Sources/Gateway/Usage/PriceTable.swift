import Foundation
import TokenProtocol

/// Model prices by model name: the table shipped in the binary (``DefaultModelPrices``, the same
/// document as config/model_prices.json) or the operator's `GATEWAY_MODEL_PRICES_FILE`.
///
/// ```json
/// {"version": "2026-11-30", "source": "...", "models": {
///   "gpt-4o-mini": {"input_per_mtok": "0.15", "cached_input_per_mtok": "0.075", "output_per_mtok": "0.60"}}}
/// ```
/// Prices are decimal strings of USD per million tokens (numbers are accepted too, read from
/// their text, never through floating point). `cached_input_per_mtok` defaults to the input
/// price, `output_per_mtok` to 0 (embedding models). `max_output_tokens` (optional) is the most
/// completion tokens the model writes in one answer: budgets use it as the worst case of a request
/// that names no maximum.
public struct PriceTable: Sendable, Equatable {
    public var version: String
    public var source: String?
    public var models: [String: ModelPrice]

    public init(version: String, source: String? = nil, models: [String: ModelPrice]) {
        self.version = version
        self.source = source
        self.models = models
    }

    /// A problem in a price document, naming the model and field.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public var description: String
    }

    /// The prices of one model as written in a document (the price table or a provider's `prices`).
    struct Entry: Decodable {
        var inputPerMTok: PriceText?
        var cachedInputPerMTok: PriceText?
        var outputPerMTok: PriceText?
        var maxOutputTokens: Int?

        enum CodingKeys: String, CodingKey {
            case inputPerMTok = "input_per_mtok"
            case cachedInputPerMTok = "cached_input_per_mtok"
            case outputPerMTok = "output_per_mtok"
            case maxOutputTokens = "max_output_tokens"
        }

        func price(model: String) throws(Invalid) -> ModelPrice {
            guard let input = inputPerMTok else { throw Invalid(description: "model \(model): \"input_per_mtok\" is required") }
            if let maxOutputTokens, maxOutputTokens < 1 {
                throw Invalid(description: "model \(model): \"max_output_tokens\" must be a positive whole number")
            }
            return ModelPrice(
                inputPerMTok: try input.amount(model, "input_per_mtok"),
                cachedInputPerMTok: try cachedInputPerMTok?.amount(model, "cached_input_per_mtok"),
                outputPerMTok: try outputPerMTok?.amount(model, "output_per_mtok") ?? .zero, maxOutputTokens: maxOutputTokens)
        }
    }

    /// A price as written: a decimal string, or a JSON number taken by its text.
    struct PriceText: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let string = try? container.decode(String.self) {
                text = string
            } else {
                // A JSON number: Decimal keeps its digits exactly (no Double on the way).
                text = try container.decode(Decimal.self).description
            }
        }

        func amount(_ model: String, _ field: String) throws(Invalid) -> NanoUSD {
            guard let amount = NanoUSD(decimalUSD: text) else {
                throw Invalid(
                    description:
                        "model \(model): \"\(field)\" must be a non-negative decimal of USD per million tokens with at most 9 decimals, not \"\(text)\""
                )
            }
            return amount
        }
    }

    struct Document: Decodable {
        var version: String?
        var source: String?
        var models: [String: Entry]?
    }

    /// Parses a price document.
    public static func parse(_ data: Data) throws(Invalid) -> PriceTable {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw Invalid(description: "not a price table (JSON with \"version\" and a \"models\" object): \(error)")
        }
        guard let version = document.version, !version.isEmpty else { throw Invalid(description: "\"version\" is required") }
        guard let entries = document.models else { throw Invalid(description: "\"models\" is required") }
        var models: [String: ModelPrice] = [:]
        for (model, entry) in entries { models[model] = try entry.price(model: model) }
        return PriceTable(version: version, source: document.source, models: models)
    }

    /// The table shipped in the binary.
    public static let builtIn: PriceTable = {
        do {
            return try parse(Data(DefaultModelPrices.json.utf8))
        } catch {
            preconditionFailure("the built-in price table does not parse: \(error)")
        }
    }()
}
