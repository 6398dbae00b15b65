/// A fixed-capacity map that evicts its least recently used entry, every operation O(1):
/// a hash map into slots threaded on an intrusive doubly linked list (indices, not references,
/// so there is no reference counting on the hot path). Inlinable, so it is specialized for its key
/// and value types in the modules that use it (the gateway's token cache).
public struct LRUTable<Key: Hashable, Value> {
    @usableFromInline var slotByKey: [Key: Int32] = [:]
    @usableFromInline var keys: [Key?] = []
    @usableFromInline var values: [Value?] = []
    /// Both neighbours of a slot side by side: relinking touches one cache line per slot.
    @usableFromInline var links: [Link] = []
    @usableFromInline var free: [Int32] = []
    /// Most recently used slot.
    @usableFromInline var head: Int32 = -1
    /// Least recently used slot.
    @usableFromInline var tail: Int32 = -1

    public let capacity: Int

    @inlinable public init(capacity: Int) {
        precondition(capacity > 0, "LRUTable needs room for at least one entry")
        self.capacity = capacity
        slotByKey.reserveCapacity(capacity)
    }

    @inlinable public var count: Int { slotByKey.count }

    /// The value for `key`, which becomes the most recently used.
    @inlinable public mutating func get(_ key: Key) -> Value? {
        guard let slot = slotByKey[key] else { return nil }
        moveToFront(slot)
        return values[Int(slot)]
    }

    /// The value for `key`, without touching its recency.
    @inlinable public func peek(_ key: Key) -> Value? {
        slotByKey[key].flatMap { values[Int($0)] }
    }

    /// Inserts or replaces; returns the key evicted to make room, if any.
    @discardableResult
    @inlinable public mutating func set(_ key: Key, _ value: Value) -> Key? {
        if let slot = slotByKey[key] {
            values[Int(slot)] = value
            moveToFront(slot)
            return nil
        }
        var evicted: Key?
        if slotByKey.count >= capacity {
            evicted = keys[Int(tail)]
            if let evicted { remove(evicted) }
        }
        let slot: Int32
        if let reused = free.popLast() {
            slot = reused
            keys[Int(slot)] = key
            values[Int(slot)] = value
        } else {
            slot = Int32(keys.count)
            keys.append(key)
            values.append(value)
            links.append(Link())
        }
        slotByKey[key] = slot
        linkAtFront(slot)
        return evicted
    }

    @discardableResult
    @inlinable public mutating func remove(_ key: Key) -> Value? {
        guard let slot = slotByKey.removeValue(forKey: key) else { return nil }
        unlink(slot)
        let value = values[Int(slot)]
        keys[Int(slot)] = nil
        values[Int(slot)] = nil
        free.append(slot)
        return value
    }

    /// Removes every entry `shouldRemove` selects; returns how many.
    @discardableResult
    @inlinable public mutating func removeAll(where shouldRemove: (Value) -> Bool) -> Int {
        var doomed: [Key] = []
        for (key, slot) in slotByKey where shouldRemove(values[Int(slot)]!) { doomed.append(key) }
        for key in doomed { remove(key) }
        return doomed.count
    }

    /// How many entries `isIncluded` selects.
    @inlinable public func count(where isIncluded: (Value) -> Bool) -> Int {
        var total = 0
        for slot in slotByKey.values where isIncluded(values[Int(slot)]!) { total += 1 }
        return total
    }

    @inlinable mutating func moveToFront(_ slot: Int32) {
        guard slot != head else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    @inlinable mutating func linkAtFront(_ slot: Int32) {
        links[Int(slot)] = Link(previous: -1, next: head)
        if head >= 0 { links[Int(head)].previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    @inlinable mutating func unlink(_ slot: Int32) {
        let (before, after) = (links[Int(slot)].previous, links[Int(slot)].next)
        if before >= 0 { links[Int(before)].next = after } else { head = after }
        if after >= 0 { links[Int(after)].previous = before } else { tail = before }
        links[Int(slot)] = Link()
    }

    @usableFromInline struct Link {
        @usableFromInline var previous: Int32
        @usableFromInline var next: Int32

        @inlinable init(previous: Int32 = -1, next: Int32 = -1) {
            self.previous = previous
            self.next = next
        }
    }
}
