import TokenProtocol

/// A token as `GET /v1/tokens/{id}` and `GET /v1/tokens` show it: its ``TokenView`` fields and
/// its total spend from the ledger, `spend_usd` (the exact decimal number) and `spend_nano_usd`.
struct TokenSpendView: Encodable, Sendable {
    var view: TokenView
    var spend: NanoUSD

    enum CodingKeys: String, CodingKey {
        case spendUSD = "spend_usd"
        case spendNanoUSD = "spend_nano_usd"
    }

    func encode(to encoder: any Encoder) throws {
        try view.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(spend.decimal, forKey: .spendUSD)
        try container.encode(spend, forKey: .spendNanoUSD)
    }

    /// One token with its spend.
    static func make(_ view: TokenView, ledger: any UsageLedger) async throws -> TokenSpendView {
        let totals = try await UsageRoutes.ledgerCall { try await ledger.query(UsageFilter(tokenID: view.id), groupBy: []) }
        return TokenSpendView(view: view, spend: totals.first?.spendNanoUSD ?? .zero)
    }

    /// A page of tokens with their spend, read in one ledger query.
    static func make(_ list: TokenList, ledger: any UsageLedger) async throws -> TokenSpendList {
        var spend: [String: NanoUSD] = [:]
        if !list.data.isEmpty {
            let rows = try await UsageRoutes.ledgerCall {
                try await ledger.query(UsageFilter(tokenIDs: Set(list.data.map(\.id))), groupBy: .token)
            }
            for row in rows { if let id = row.tokenID { spend[id] = row.spendNanoUSD } }
        }
        return TokenSpendList(
            data: list.data.map { TokenSpendView(view: $0, spend: spend[$0.id] ?? .zero) }, nextCursor: list.nextCursor)
    }
}

/// `GET /v1/tokens` with each token's spend: ``TokenList``'s shape.
struct TokenSpendList: Encodable, Sendable {
    var data: [TokenSpendView]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }
}
