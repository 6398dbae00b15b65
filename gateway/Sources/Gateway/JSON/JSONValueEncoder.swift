/// An `Encoder` that builds a ``JSONValue`` from the wire types' Codable `encode(to:)`, for
/// ``JSONWriter`` to write: the same tree Foundation's encoder would write (an `encode(nil)` of
/// an optional is an explicit null, `encodeIfPresent` of nil writes nothing, a later value for
/// a key replaces an earlier one). A non-finite number throws, as Foundation's does.
final class JSONValueEncoder: Encoder {
    private let parent: JSONValueEncoder?
    private let key: (any CodingKey)?
    /// What this encoder holds: a single value, or the members of its keyed or unkeyed container.
    private var storage: Storage = .empty
    /// Nested containers' encoders, folded into `storage` by ``value``.
    private var nested: [(slot: Slot, encoder: JSONValueEncoder)] = []

    private enum Storage {
        case empty
        case single(JSONValue)
        case object([String: JSONValue])
        case array([JSONValue])
    }

    private enum Slot {
        case key(String)
        case index(Int)
    }

    init(parent: JSONValueEncoder? = nil, key: (any CodingKey)? = nil) {
        self.parent = parent
        self.key = key
    }

    /// `value` as a tree.
    static func encode(_ value: some Encodable) throws -> JSONValue {
        if let value = value as? JSONValue { return value }
        let encoder = JSONValueEncoder()
        try value.encode(to: encoder)
        return encoder.value
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var encoder: JSONValueEncoder? = self
        while let current = encoder, let key = current.key {
            path.append(key)
            encoder = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// What was encoded: an encoder nothing was written to is an empty object, as in Foundation.
    var value: JSONValue {
        switch storage {
        case .empty: return nested.isEmpty ? .emptyObject : foldNested(into: .object([:]))
        case .single(let value): return value
        case .object, .array: return nested.isEmpty ? storageValue : foldNested(into: storageValue)
        }
    }

    private var storageValue: JSONValue {
        switch storage {
        case .empty: .emptyObject
        case .single(let value): value
        case .object(let object): .object(object)
        case .array(let array): .array(array)
        }
    }

    private func foldNested(into value: JSONValue) -> JSONValue {
        switch value {
        case .object(var object):
            for (slot, encoder) in nested {
                if case .key(let key) = slot { object[key] = encoder.value }
            }
            return .object(object)
        case .array(var array):
            for (slot, encoder) in nested {
                if case .index(let index) = slot, index < array.count { array[index] = encoder.value }
            }
            return .array(array)
        default: return value
        }
    }

    /// The value of `value` encoded as a child under `key`.
    func encodeChild(_ value: some Encodable, key: any CodingKey) throws -> JSONValue {
        if let value = value as? JSONValue { return value }
        let child = JSONValueEncoder(parent: self, key: key)
        try value.encode(to: child)
        return child.value
    }

    func nonFinite(_ value: some BinaryFloatingPoint & CustomStringConvertible, key: (any CodingKey)?) -> EncodingError {
        EncodingError.invalidValue(
            value,
            EncodingError.Context(
                codingPath: codingPath + (key.map { [$0] } ?? []), debugDescription: "Unable to encode \(value) directly in JSON."))
    }

    func number(_ value: Double, key: (any CodingKey)?) throws -> JSONValue {
        guard value.isFinite else { throw nonFinite(value, key: key) }
        return .number(value)
    }

    func integer<T: BinaryInteger>(_ value: T) -> JSONValue {
        if let exact = Int64(exactly: value) { return .integer(exact) }
        return .number(Double(value))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = storage {
        } else {
            storage = .object([:])
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = storage {
        } else {
            storage = .array([])
        }
        return UnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueContainer(encoder: self)
    }

    fileprivate func set(_ value: JSONValue, forKey key: String) {
        guard case .object(var object) = storage else { return }
        storage = .empty
        object[key] = value
        storage = .object(object)
        nested.removeAll { if case .key(key) = $0.slot { true } else { false } }
    }

    fileprivate func append(_ value: JSONValue) {
        guard case .array(var array) = storage else { return }
        storage = .empty
        array.append(value)
        storage = .array(array)
    }

    fileprivate var arrayCount: Int {
        if case .array(let array) = storage { return array.count }
        return 0
    }

    fileprivate func nestedEncoder(forKey key: any CodingKey) -> JSONValueEncoder {
        let child = JSONValueEncoder(parent: self, key: key)
        set(.null, forKey: key.stringValue)
        nested.append((.key(key.stringValue), child))
        return child
    }

    fileprivate func nestedEncoderAppended() -> JSONValueEncoder {
        let index = arrayCount
        let child = JSONValueEncoder(parent: self, key: JSONValueDecoder.IndexKey(intValue: index))
        append(.null)
        nested.append((.index(index), child))
        return child
    }

    fileprivate func setSingle(_ value: JSONValue) {
        storage = .single(value)
    }
}

extension JSONValueEncoder {
    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: JSONValueEncoder

        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil(forKey key: Key) throws { encoder.set(.null, forKey: key.stringValue) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { encoder.set(.bool(value), forKey: key.stringValue) }
        mutating func encode(_ value: String, forKey key: Key) throws { encoder.set(.string(value), forKey: key.stringValue) }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            encoder.set(try encoder.number(value, key: key), forKey: key.stringValue)
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            guard value.isFinite else { throw encoder.nonFinite(value, key: key) }
            encoder.set(try encoder.number(Double(value.description) ?? Double(value), key: key), forKey: key.stringValue)
        }
        mutating func encode(_ value: Int, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { encoder.set(.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { encoder.set(encoder.integer(value), forKey: key.stringValue) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            encoder.set(try encoder.encodeChild(value, key: key), forKey: key.stringValue)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            encoder.nestedEncoder(forKey: key).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            encoder.nestedEncoder(forKey: key).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            encoder.nestedEncoder(forKey: JSONValueEncoder.SuperKey())
        }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            encoder.nestedEncoder(forKey: key)
        }
    }

    struct SuperKey: CodingKey {
        var stringValue: String { "super" }
        var intValue: Int? { nil }
        init() {}
        init?(stringValue: String) { nil }
        init?(intValue: Int) { nil }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let encoder: JSONValueEncoder

        var codingPath: [any CodingKey] { encoder.codingPath }
        var count: Int { encoder.arrayCount }

        private var nextKey: any CodingKey { JSONValueDecoder.IndexKey(intValue: count) }

        mutating func encodeNil() throws { encoder.append(.null) }
        mutating func encode(_ value: Bool) throws { encoder.append(.bool(value)) }
        mutating func encode(_ value: String) throws { encoder.append(.string(value)) }
        mutating func encode(_ value: Double) throws { encoder.append(try encoder.number(value, key: nextKey)) }
        mutating func encode(_ value: Float) throws {
            guard value.isFinite else { throw encoder.nonFinite(value, key: nextKey) }
            encoder.append(try encoder.number(Double(value.description) ?? Double(value), key: nextKey))
        }
        mutating func encode(_ value: Int) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: Int8) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: Int16) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: Int32) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: Int64) throws { encoder.append(.integer(value)) }
        mutating func encode(_ value: UInt) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: UInt8) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: UInt16) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: UInt32) throws { encoder.append(encoder.integer(value)) }
        mutating func encode(_ value: UInt64) throws { encoder.append(encoder.integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { encoder.append(try encoder.encodeChild(value, key: nextKey)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            encoder.nestedEncoderAppended().container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            encoder.nestedEncoderAppended().unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder {
            encoder.nestedEncoderAppended()
        }
    }

    struct SingleValueContainer: SingleValueEncodingContainer {
        let encoder: JSONValueEncoder

        var codingPath: [any CodingKey] { encoder.codingPath }

        mutating func encodeNil() throws { encoder.setSingle(.null) }
        mutating func encode(_ value: Bool) throws { encoder.setSingle(.bool(value)) }
        mutating func encode(_ value: String) throws { encoder.setSingle(.string(value)) }
        mutating func encode(_ value: Double) throws { encoder.setSingle(try encoder.number(value, key: nil)) }
        mutating func encode(_ value: Float) throws {
            guard value.isFinite else { throw encoder.nonFinite(value, key: nil) }
            encoder.setSingle(try encoder.number(Double(value.description) ?? Double(value), key: nil))
        }
        mutating func encode(_ value: Int) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: Int8) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: Int16) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: Int32) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: Int64) throws { encoder.setSingle(.integer(value)) }
        mutating func encode(_ value: UInt) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: UInt8) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: UInt16) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: UInt32) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode(_ value: UInt64) throws { encoder.setSingle(encoder.integer(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            if let value = value as? JSONValue {
                encoder.setSingle(value)
                return
            }
            // The value encodes itself into this same encoder, as in Foundation.
            try value.encode(to: encoder)
        }
    }
}
