import HTTPTypes

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `GATEWAY_TRUSTED_PROXIES` and `TOKEN_RUNTIME_TRUSTED_PROXIES`: the proxies (load balancers) whose `X-Forwarded-For` or `Forwarded`
/// header names the real client. A request from any other peer is attributed to the peer itself,
/// whatever headers it sends.
public struct TrustedProxies: Sendable, Equatable {
    /// One CIDR block, as network bytes (4 for IPv4, 16 for IPv6) and a prefix length.
    public struct Network: Sendable, Equatable, CustomStringConvertible {
        let bytes: [UInt8]
        let prefix: Int

        /// `10.0.0.0/8`, `2001:db8::/32`, or a single address (`127.0.0.1`: /32, `::1`: /128).
        public init?(_ text: Substring) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = IPAddressBytes.parse(parts[0]) else { return nil }
            let bits = bytes.count * 8
            var prefix = bits
            if parts.count == 2 {
                guard let value = Int(parts[1]), (0...bits).contains(value) else { return nil }
                prefix = value
            }
            self.bytes = bytes
            self.prefix = prefix
        }

        func contains(_ address: [UInt8]) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for index in bytes.indices where remaining > 0 {
                let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
                if address[index] & mask != bytes[index] & mask { return false }
                remaining -= 8
            }
            return true
        }

        public var description: String {
            "\(IPAddressBytes.format(bytes))/\(prefix)"
        }
    }

    public let networks: [Network]

    public init(_ networks: [Network] = []) { self.networks = networks }

    /// Parses a comma-separated list; the invalid entries are returned for the error message.
    public static func parse(_ text: String) -> (TrustedProxies, invalid: [String]) {
        var networks: [Network] = []
        var invalid: [String] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: " \t")
            guard !trimmed.isEmpty else { continue }
            if let network = Network(trimmed) { networks.append(network) } else { invalid.append(String(trimmed)) }
        }
        return (TrustedProxies(networks), invalid)
    }

    /// Reads `variable` (unset: no trusted proxies); invalid entries are an error naming it.
    public static func load(_ variable: String, from env: inout EnvironmentReader) -> TrustedProxies {
        guard let text = env.raw(variable) else { return TrustedProxies() }
        let (parsed, invalid) = parse(text)
        if !invalid.isEmpty {
            env.fail(
                variable,
                "not an IP address or CIDR block: \(invalid.map { "\"\($0)\"" }.joined(separator: ", ")) (e.g. 10.0.0.0/8,192.168.1.7)")
        }
        return parsed
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func trusts(_ address: String) -> Bool {
        guard !networks.isEmpty, let bytes = IPAddressBytes.parse(Substring(address)) else { return false }
        return networks.contains { $0.contains(bytes) }
    }

    /// The client's address: the peer's, unless the peer is trusted; then the right-most address
    /// of `X-Forwarded-For` (else of `Forwarded`'s `for=`) that is not itself a trusted proxy, or
    /// the left-most one when all are trusted. A header entry that is not an IP address ends the
    /// walk there (nothing left of it can be believed) and the peer is used.
    public func clientAddress(peer: String?, forwardedFor: String?, forwarded: String?) -> String? {
        guard let peer, trusts(peer) else { return peer }
        let hops: [Substring]
        if let forwardedFor {
            hops = forwardedFor.split(separator: ",").map { $0.trimmingCharacters(in: " \t") }
        } else if let forwarded {
            hops = Self.forwardedFor(forwarded)
        } else {
            return peer
        }
        var candidate: String?
        for hop in hops.reversed() {
            guard let address = Self.normalizedAddress(hop) else { return candidate ?? peer }
            candidate = address
            if !trusts(address) { return address }
        }
        return candidate ?? peer
    }

    /// The `for=` values of an RFC 7239 `Forwarded` header, in order.
    static func forwardedFor(_ header: String) -> [Substring] {
        var values: [Substring] = []
        for element in header.split(separator: ",") {
            for pair in element.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: " \t")
                guard trimmed.lowercased().hasPrefix("for=") else { continue }
                values.append(trimmed.dropFirst(4))
            }
        }
        return values
    }

    /// An address as written in a header (`1.2.3.4`, `1.2.3.4:5678`, `"[2001:db8::1]:4711"`,
    /// `2001:db8::1`) in canonical text form; nil when it is not an IP address.
    public static func normalizedAddress(_ text: Substring) -> String? {
        var value = text
        if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = value.dropFirst().dropLast() }
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            value = value[value.index(after: value.startIndex)..<close]
        } else if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") {
            value = value[..<colon]  // IPv4 with a port
        }
        return IPAddressBytes.parse(value).map(IPAddressBytes.format)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> Substring {
        var value = self
        while let first = value.first, set.contains(first) { value = value.dropFirst() }
        while let last = value.last, set.contains(last) { value = value.dropLast() }
        return value
    }
}

/// IPv4 and IPv6 addresses as bytes and back, with the C library's parser and formatter.
enum IPAddressBytes {
    static func parse(_ text: Substring) -> [UInt8]? {
        guard !text.isEmpty, text.count <= 64 else { return nil }
        let string = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, string, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, string, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            // An IPv4-mapped IPv6 address (::ffff:a.b.c.d, how dual-stack sockets report IPv4 peers) is that IPv4 address.
            if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
            return bytes
        }
        return nil
    }

    static func format(_ bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
    }
}

extension HTTPField.Name {
    /// The forwarding headers ``TrustedProxies`` reads.
    public static let xForwardedFor = Self("X-Forwarded-For")!
    public static let forwarded = Self("Forwarded")!
}
