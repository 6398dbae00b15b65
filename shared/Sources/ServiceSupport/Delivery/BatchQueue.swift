/// The bounded FIFO between a ``BatchDelivery``'s producers and its writer.
///
/// Records stay in the queue, and count against its capacity, until the batch holding them is
/// delivered: the writer peeks, writes, then removes. So nothing is lost while the receiver is
/// away, and order is kept. When full, the *newest* record (the one being added) is refused:
/// the oldest are the ones closest to being written, and a trail with a gap at its end is more
/// useful than one with holes in the middle.
public struct BatchQueue<Record: Sendable>: Sendable {
    public struct Item: Sendable {
        /// Per-queue sequence number: with the writer's id, the record's key at the receiver (so a
        /// batch sent again is stored once).
        public var sequence: Int64
        public var record: Record
    }

    public let capacity: Int
    private var storage: [Item] = []
    private var head = 0
    private var nextSequence: Int64 = 1
    public private(set) var dropped: UInt64 = 0

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    public var count: Int { storage.count - head }
    public var isEmpty: Bool { count == 0 }

    /// Adds `record` unless the queue is full; false (and one more drop) if it is.
    public mutating func append(_ record: Record) -> Bool {
        guard count < capacity else {
            dropped += 1
            return false
        }
        storage.append(Item(sequence: nextSequence, record: record))
        nextSequence += 1
        return true
    }

    /// The oldest `limit` items, left in place.
    public func peek(_ limit: Int) -> [Item] {
        Array(storage[head..<min(storage.count, head + limit)])
    }

    /// Removes the oldest `n` items (a committed batch).
    public mutating func removeFirst(_ n: Int) {
        head += min(n, count)
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.count <= 4_096)
            head = 0
        } else if head >= 4_096, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}
