/// A `Decoder` over a parsed ``JSONValue``, so the wire types' Codable initializers run on
/// ``JSONParser``'s output. Errors are the `DecodingError`s Foundation's decoder throws, with the
/// same coding paths (``WireDecodingError`` words them), but built only when thrown: a decoder
/// keeps its parent and key, not a path array.
///
/// ``JSONValue`` and the string-or-array types take their node straight from ``node`` instead of
/// probing with `try?`.
final class JSONValueDecoder: Decoder {
    let node: JSONValue
    private let parent: JSONValueDecoder?
    private let key: (any CodingKey)?

    init(_ node: JSONValue, parent: JSONValueDecoder? = nil, key: (any CodingKey)? = nil) {
        self.node = node
        self.parent = parent
        self.key = key
    }

    /// A value of `type` from `node`.
    static func decode<T: Decodable>(_ type: T.Type, from node: JSONValue) throws -> T {
        try T(from: JSONValueDecoder(node))
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var decoder: JSONValueDecoder? = self
        while let current = decoder, let key = current.key {
            path.append(key)
            decoder = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        switch node {
        case .object(let object): return KeyedDecodingContainer(KeyedContainer<Key>(decoder: self, object: object))
        case .null:
            throw DecodingError.valueNotFound(
                [String: JSONValue].self,
                DecodingError.Context(codingPath: codingPath, debugDescription: "Cannot get keyed decoding container -- found null value instead"))
        default: throw mismatch([String: JSONValue].self)
        }
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        switch node {
        case .array(let array): return UnkeyedContainer(decoder: self, array: array)
        case .null:
            throw DecodingError.valueNotFound(
                [JSONValue].self,
                DecodingError.Context(codingPath: codingPath, debugDescription: "Cannot get unkeyed decoding container -- found null value instead"))
        default: throw mismatch([JSONValue].self)
        }
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleValueContainer(decoder: self)
    }

    /// The typeMismatch Foundation throws for this node.
    func mismatch(_ type: Any.Type) -> DecodingError {
        DecodingError.typeMismatch(
            type, DecodingError.Context(codingPath: codingPath, debugDescription: "Expected to decode \(type) but found \(node.kindName) instead."))
    }

    func valueNotFound(_ type: Any.Type) -> DecodingError {
        DecodingError.valueNotFound(
            type, DecodingError.Context(codingPath: codingPath, debugDescription: "Cannot get value of type \(type) -- found null value instead"))
    }

    // MARK: Scalars

    func decodeBool() throws -> Bool {
        if case .bool(let value) = node { return value }
        throw node == .null ? valueNotFound(Bool.self) : mismatch(Bool.self)
    }

    func decodeString() throws -> String {
        if case .string(let value) = node { return value }
        throw node == .null ? valueNotFound(String.self) : mismatch(String.self)
    }

    func decodeFloatingPoint<T: BinaryFloatingPoint>(_ type: T.Type) throws -> T {
        switch node {
        case .integer(let value): return T(value)
        case .number(let value):
            let result = T(value)
            guard result.isFinite else {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(codingPath: codingPath, debugDescription: "Number \(value) does not fit in \(type)."))
            }
            return result
        case .null: throw valueNotFound(type)
        default: throw mismatch(type)
        }
    }

    func decodeInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch node {
        case .integer(let value):
            if let result = T(exactly: value) { return result }
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: codingPath, debugDescription: "Number \(value) does not fit in \(type)."))
        case .number(let value):
            if let result = T(exactly: value) { return result }
            // Foundation reported this at the top, as invalid JSON; the member is more use.
            throw mismatch(type)
        case .null: throw valueNotFound(type)
        default: throw mismatch(type)
        }
    }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: self)
    }
}

extension JSONValue {
    /// How Foundation's decoder names a node's kind in a typeMismatch.
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .integer, .number: "number"
        case .string: "a string"
        case .array: "an array"
        case .object: "a dictionary"
        }
    }
}

extension Decoder {
    /// The node under this decoder when it is a ``JSONValueDecoder``, for a cheap type check.
    var jsonNode: JSONValue? {
        (self as? JSONValueDecoder)?.node
    }
}

extension JSONValueDecoder {
    /// An array element's key in a coding path.
    struct IndexKey: CodingKey {
        var intValue: Int?
        var stringValue: String { "Index \(intValue ?? 0)" }

        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    struct SingleValueContainer: SingleValueDecodingContainer {
        let decoder: JSONValueDecoder

        var codingPath: [any CodingKey] { decoder.codingPath }

        func decodeNil() -> Bool { decoder.node == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.decodeBool() }
        func decode(_ type: String.Type) throws -> String { try decoder.decodeString() }
        func decode(_ type: Double.Type) throws -> Double { try decoder.decodeFloatingPoint(type) }
        func decode(_ type: Float.Type) throws -> Float { try decoder.decodeFloatingPoint(type) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.decodeInteger(type) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.decodeInteger(type) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.decodeInteger(type) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.decodeInteger(type) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.decodeInteger(type) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.decodeInteger(type) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.decodeInteger(type) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.decodeInteger(type) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.decodeInteger(type) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.decodeInteger(type) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(type) }
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: JSONValueDecoder
        let object: [String: JSONValue]

        var codingPath: [any CodingKey] { decoder.codingPath }
        var allKeys: [Key] { object.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { object[key.stringValue] != nil }

        private func child(_ key: Key) throws -> JSONValueDecoder {
            guard let node = object[key.stringValue] else {
                throw DecodingError.keyNotFound(
                    key, DecodingError.Context(codingPath: codingPath, debugDescription: "No value associated with key \(key)."))
            }
            return JSONValueDecoder(node, parent: decoder, key: key)
        }

        /// The child for `key`, nil when absent or null.
        private func presentChild(_ key: Key) -> JSONValueDecoder? {
            guard let node = object[key.stringValue], node != .null else { return nil }
            return JSONValueDecoder(node, parent: decoder, key: key)
        }

        func decodeNil(forKey key: Key) throws -> Bool { try child(key).node == .null }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try child(key).decodeBool() }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try child(key).decodeString() }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try child(key).decodeFloatingPoint(type) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try child(key).decodeFloatingPoint(type) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try child(key).decodeInteger(type) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try child(key).decodeInteger(type) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try child(key).decodeInteger(type) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try child(key).decodeInteger(type) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try child(key).decodeInteger(type) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try child(key).decodeInteger(type) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try child(key).decodeInteger(type) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try child(key).decodeInteger(type) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try child(key).decodeInteger(type) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try child(key).decodeInteger(type) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try child(key).decodeValue(type) }

        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try presentChild(key)?.decodeBool() }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try presentChild(key)?.decodeString() }
        func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try presentChild(key)?.decodeFloatingPoint(type) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try presentChild(key)?.decodeInteger(type) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try presentChild(key)?.decodeInteger(type) }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try presentChild(key)?.decodeValue(type) }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try child(key).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try child(key).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder {
            JSONValueDecoder(object["super"] ?? .null, parent: decoder, key: IndexKey(intValue: 0))
        }

        func superDecoder(forKey key: Key) throws -> any Decoder {
            JSONValueDecoder(object[key.stringValue] ?? .null, parent: decoder, key: key)
        }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let decoder: JSONValueDecoder
        let array: [JSONValue]
        private(set) var currentIndex = 0

        init(decoder: JSONValueDecoder, array: [JSONValue]) {
            self.decoder = decoder
            self.array = array
        }

        var codingPath: [any CodingKey] { decoder.codingPath }
        var count: Int? { array.count }
        var isAtEnd: Bool { currentIndex >= array.count }

        /// The next element's decoder; the index moves on only when its decoding succeeds.
        private func next(_ type: Any.Type) throws -> JSONValueDecoder {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(
                    type,
                    DecodingError.Context(
                        codingPath: codingPath + [IndexKey(intValue: currentIndex)], debugDescription: "Unkeyed container is at end."))
            }
            return JSONValueDecoder(array[currentIndex], parent: decoder, key: IndexKey(intValue: currentIndex))
        }

        private mutating func take<T>(_ type: T.Type, _ body: (JSONValueDecoder) throws -> T) throws -> T {
            let value = try body(try next(type))
            currentIndex += 1
            return value
        }

        mutating func decodeNil() throws -> Bool {
            guard try next(Never.self).node == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try take(type) { try $0.decodeBool() } }
        mutating func decode(_ type: String.Type) throws -> String { try take(type) { try $0.decodeString() } }
        mutating func decode(_ type: Double.Type) throws -> Double { try take(type) { try $0.decodeFloatingPoint(type) } }
        mutating func decode(_ type: Float.Type) throws -> Float { try take(type) { try $0.decodeFloatingPoint(type) } }
        mutating func decode(_ type: Int.Type) throws -> Int { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try take(type) { try $0.decodeInteger(type) } }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try take(type) { try $0.decodeValue(type) } }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try take(KeyedDecodingContainer<NestedKey>.self) { try $0.container(keyedBy: type) }
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try take((any UnkeyedDecodingContainer).self) { try $0.unkeyedContainer() }
        }

        mutating func superDecoder() throws -> any Decoder {
            try take((any Decoder).self) { $0 }
        }
    }
}
