import Foundation

/// An amount of US dollars, exactly: a whole number of nano-dollars (10^-9 USD), never a
/// floating-point value. Up to about 9.2 billion USD.
///
/// Written on the wire as the integer (`*_nano_usd`) and, for people, as a decimal number
/// (`*_usd`) printed from the integer (``decimalString``), so the two always agree.
public struct NanoUSD: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public static let zero = NanoUSD(0)
    public static let perUSD: Int64 = 1_000_000_000

    /// A non-negative decimal amount of dollars as written by people (`"0.15"`, `"12"`, `"0.000000001"`):
    /// digits, at most one point, at most 9 decimals (a finer amount is not a whole nano-dollar and is
    /// refused, not rounded). No sign, exponent or spaces. Nil when it is not such a string or too large.
    public init?(decimalUSD text: some StringProtocol) {
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var decimals = 0
        var seenPoint = false
        var wholeDigits = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                if seenPoint {
                    decimals += 1
                    guard decimals <= 9 else { return nil }
                    fraction = fraction * 10 + digit
                } else {
                    wholeDigits += 1
                    let (shifted, overflow1) = whole.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = shifted.addingReportingOverflow(digit)
                    guard !overflow1, !overflow2 else { return nil }
                    whole = sum
                }
            case UInt8(ascii: "."):
                guard !seenPoint else { return nil }
                seenPoint = true
            default:
                return nil
            }
        }
        guard wholeDigits > 0, !(seenPoint && decimals == 0) else { return nil }
        for _ in decimals..<9 { fraction *= 10 }
        let (nanos, overflow1) = whole.multipliedReportingOverflow(by: Self.perUSD)
        let (total, overflow2) = nanos.addingReportingOverflow(fraction)
        guard !overflow1, !overflow2 else { return nil }
        value = total
    }

    /// The amount in dollars as the shortest exact decimal: `0.00000015`, `12`, `-1.5`.
    public var decimalString: String {
        let negative = value < 0
        let magnitude = value.magnitude
        let whole = magnitude / UInt64(Self.perUSD)
        var fraction = magnitude % UInt64(Self.perUSD)
        var text = (negative ? "-" : "") + String(whole)
        guard fraction > 0 else { return text }
        var width = 9
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        let digits = String(fraction)
        text += "." + String(repeating: "0", count: width - digits.count) + digits
        return text
    }

    public var description: String { decimalString }

    /// The exact amount in dollars as a Foundation `Decimal` (which JSONEncoder writes as the exact number).
    public var decimal: Decimal { Decimal(string: decimalString) ?? 0 }

    public static func < (left: NanoUSD, right: NanoUSD) -> Bool { left.value < right.value }
    public static func + (left: NanoUSD, right: NanoUSD) -> NanoUSD { NanoUSD(left.value + right.value) }
    public static func += (left: inout NanoUSD, right: NanoUSD) { left.value += right.value }

    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
