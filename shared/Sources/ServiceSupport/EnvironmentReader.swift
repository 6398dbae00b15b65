/// Reads typed values from a snapshot of the environment, collecting every problem instead of
/// stopping at the first. Both services read their whole configuration through one of these, once,
/// at startup; nothing reads the environment after that.
public struct EnvironmentReader: Sendable {
    public let values: [String: String]
    public private(set) var errors: [ConfigurationError] = []

    public init(_ values: [String: String]) {
        self.values = values
    }

    /// The raw value, or nil when unset or empty (an empty variable counts as unset).
    public func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    public mutating func fail(_ name: String, _ message: String) {
        errors.append(ConfigurationError(variable: name, message: message))
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        raw(name) ?? defaultValue
    }

    /// A duration such as "250ms", "30s", "2m", "1h"; must be positive.
    public mutating func duration(_ name: String, default defaultValue: Duration) -> Duration {
        guard let text = raw(name) else { return defaultValue }
        guard let value = DurationParsing.parse(text), value > .zero else {
            fail(name, "invalid duration \"\(text)\"; use a positive number with a unit, like 250ms, 30s, 2m or 1h")
            return defaultValue
        }
        return value
    }

    /// An integer within `range`.
    public mutating func int(_ name: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        guard let text = raw(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            fail(name, "invalid value \"\(text)\"; use a whole number from \(range.lowerBound) to \(range.upperBound)")
            return defaultValue
        }
        return value
    }

    /// A TCP port, 0...65535 (0 asks the system for a free port).
    public mutating func port(_ name: String, default defaultValue: Int) -> Int {
        int(name, default: defaultValue, range: 0...65535)
    }

    /// One of `allowed`, compared without regard to case.
    public mutating func choice(_ name: String, default defaultValue: String, allowed: [String]) -> String {
        guard let text = raw(name) else { return defaultValue }
        guard let match = allowed.first(where: { $0.lowercased() == text.lowercased() }) else {
            fail(name, "unknown value \"\(text)\"; use one of: \(allowed.joined(separator: ", "))")
            return defaultValue
        }
        return match
    }

    /// A comma-separated list; blanks are dropped.
    public func list(_ name: String) -> [String] {
        guard let text = raw(name) else { return [] }
        return text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// Throws every collected error at once.
    public func validate() throws(ConfigurationErrors) {
        if !errors.isEmpty { throw ConfigurationErrors(errors) }
    }
}
