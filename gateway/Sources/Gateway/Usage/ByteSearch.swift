#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A byte string found in bytes that lie contiguously, without copying them: `memchr` to each
/// place the needle's first byte occurs, `memcmp` for the rest. The usage extractors and the
/// stream usage filter read every byte of a relayed answer this way, and a budget's worst case
/// every byte of the request (bench/HISTORY.md, issue 18:
/// a byte-at-a-time Swift loop was the stream path's largest stage).
enum ByteSearch {
    /// Where `needle` first occurs in `haystack`.
    static func firstIndex(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = haystack.baseAddress, let first = needle.first, haystack.count >= needle.count else { return nil }
        // The last index a match can start at.
        let last = haystack.count - needle.count
        var index = 0
        while index <= last {
            guard let found = memchr(base + index, Int32(first), last - index + 1) else { return nil }
            let at = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            if equal(needle, at: base + at) { return at }
            index = at + 1
        }
        return nil
    }

    /// Where `needle` last occurs in `haystack` (a backward scan: what is looked for this way sits
    /// near the end).
    static func lastIndex(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = haystack.baseAddress, let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = haystack.count - needle.count
        while index >= 0 {
            if base[index] == first, equal(needle, at: base + index) { return index }
            index -= 1
        }
        return nil
    }

    /// How often `needle` occurs in `haystack`, counting occurrences that do not overlap.
    static func occurrences(of needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        var rest = haystack
        while let at = firstIndex(of: needle, in: rest) {
            count += 1
            rest = UnsafeBufferPointer(rebasing: rest[(at + needle.count)...])
        }
        return count
    }

    /// Runs `body` over the bytes where they lie (copied once only when they are not contiguous).
    static func withBytes<Result>(_ bytes: some Collection<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = bytes.withContiguousStorageIfAvailable(body) { return result }
        return Array(bytes).withUnsafeBufferPointer(body)
    }

    /// The first index of `needle` in an array slice, in the slice's own indices.
    static func firstIndex(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        haystack.withUnsafeBufferPointer { firstIndex(of: needle, in: $0) }.map { haystack.startIndex + $0 }
    }

    @inline(__always)
    private static func equal(_ needle: [UInt8], at bytes: UnsafePointer<UInt8>) -> Bool {
        needle.withUnsafeBytes { memcmp(bytes, $0.baseAddress!, $0.count) == 0 }
    }
}
