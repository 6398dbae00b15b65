import TokenProtocol

extension AdminClient {
    /// `GET /v1/usage` with the admin key: totals of the selected hours, grouped.
    public func usage(_ filter: UsageFilter, groupBy grouping: UsageGrouping) async throws -> UsageQueryAnswer {
        var query: [String] = []
        if let tokenIDs = filter.tokenIDs {
            precondition(tokenIDs.count == 1, "the usage API filters by one token_id")
            query.append("token_id=" + FormEncoding.escape(tokenIDs.first!))
        }
        if let subject = filter.subject { query.append("subject=" + FormEncoding.escape(subject)) }
        if let from = filter.from { query.append("from=\(from)") }
        if let to = filter.to { query.append("to=\(to)") }
        if !grouping.isEmpty { query.append("group_by=" + grouping.keyNames.joined(separator: ",")) }
        let path = RuntimePath.usage + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        return try await send(.GET, path, as: UsageQueryAnswer.self)
    }
}
