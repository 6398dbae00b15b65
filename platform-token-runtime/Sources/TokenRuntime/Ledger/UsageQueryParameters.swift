import Hummingbird
import TokenProtocol

/// The query string of `GET /v1/usage`: `token_id`, `subject`, `from` and `to` (Unix seconds;
/// the hours overlapping `[from, to)`) and `group_by` (comma-separated `token`, `subject`,
/// `model`, `day`), `order_by=spend` and `limit` (the largest groups by spend, first). Empty
/// values count as absent; unknown parameters are ignored.
struct UsageQueryParameters: Sendable, Equatable {
    var filter = UsageFilter()
    var grouping: UsageGrouping = []
    /// `order_by=spend` with `limit` (1-1000, default 10): only that many groups, largest spend first.
    var largest: Int?

    init(_ parameters: Parameters) throws(APIError) {
        func value(_ name: String) -> String? {
            guard let value = parameters[Substring(name)], !value.isEmpty else { return nil }
            return String(value)
        }
        func seconds(_ name: String) throws(APIError) -> Int64? {
            guard let text = value(name) else { return nil }
            guard let seconds = Int64(text), seconds >= 0 else {
                throw APIError.invalidRequest("\(name) must be Unix seconds (a whole number, 0 or more)")
            }
            return seconds
        }
        filter.tokenIDs = value("token_id").map { [$0] }
        filter.subject = value("subject")
        filter.from = try seconds("from")
        filter.to = try seconds("to")
        if let from = filter.from, let to = filter.to, from >= to {
            throw APIError.invalidRequest("from must be before to")
        }
        if let text = value("group_by") {
            guard let grouping = UsageGrouping(parsing: text) else {
                throw APIError.invalidRequest("group_by is a comma-separated list of token, subject, model, day")
            }
            self.grouping = grouping
        }
        if let order = value("order_by") {
            guard order == "spend" else { throw APIError.invalidRequest("order_by must be spend (largest first)") }
            largest = 10
        }
        if let text = value("limit") {
            guard largest != nil else { throw APIError.invalidRequest("limit needs order_by=spend") }
            guard let limit = Int(text), (1...1_000).contains(limit) else {
                throw APIError.invalidRequest("limit must be a whole number from 1 to 1000")
            }
            largest = limit
        }
    }
}
