import ServiceSupport
import Testing

@Suite struct LRUTableTests {
    /// The keys of `table` from least to most recently used, read through behaviour only: a copy
    /// (value semantics: `table` is untouched) is filled to capacity with fresh keys, which become
    /// the most recent, then takes `capacity` more fresh keys; the evictions that are not fresh keys
    /// are the table's keys in the order it evicts them.
    func leastToMostRecent(_ table: LRUTable<String, Int>) -> [String] {
        var copy = table
        var evicted: [String] = []
        var fresh = 0
        while copy.count < copy.capacity {
            copy.set("fresh-\(fresh)", -1)
            fresh += 1
        }
        for _ in 0..<copy.capacity {
            if let key = copy.set("fresh-\(fresh)", -1) { evicted.append(key) }
            fresh += 1
        }
        return evicted.filter { !$0.hasPrefix("fresh-") }
    }

    func filled(_ keys: String..., capacity: Int = 3) -> LRUTable<String, Int> {
        var table = LRUTable<String, Int>(capacity: capacity)
        for (index, key) in keys.enumerated() { table.set(key, index) }
        return table
    }

    @Test func insertsAndReadsBack() {
        var table = LRUTable<String, Int>(capacity: 3)
        #expect(table.count == 0)
        #expect(table.set("a", 1) == nil)
        #expect(table.set("b", 2) == nil)
        #expect(table.count == 2)
        #expect(table.get("a") == 1)
        #expect(table.get("b") == 2)
        #expect(table.get("c") == nil)
        #expect(table.peek("a") == 1)
        #expect(table.capacity == 3)
    }

    @Test func insertionOrderIsRecencyOrder() {
        #expect(leastToMostRecent(filled("a", "b", "c")) == ["a", "b", "c"])
        #expect(leastToMostRecent(filled("a", "b")) == ["a", "b"])
    }

    @Test func evictsTheLeastRecentlyUsedAtCapacity() {
        var table = filled("a", "b", "c")
        #expect(table.set("d", 3) == "a")
        #expect(table.count == 3)
        #expect(table.peek("a") == nil)
        #expect(table.set("e", 4) == "b")
        #expect(leastToMostRecent(table) == ["c", "d", "e"])
    }

    @Test func aHitBecomesTheMostRecent() {
        var table = filled("a", "b", "c")
        #expect(table.get("a") == 0)
        #expect(leastToMostRecent(table) == ["b", "c", "a"])
        #expect(table.set("d", 3) == "b")
        #expect(table.set("e", 4) == "c")
        #expect(table.set("f", 5) == "a")
        // A hit on the most recent entry changes nothing.
        #expect(table.get("f") == 5)
        #expect(leastToMostRecent(table) == ["d", "e", "f"])
    }

    @Test func aMissAndAPeekLeaveTheOrderAlone() {
        var table = filled("a", "b", "c")
        #expect(table.get("z") == nil)
        #expect(table.peek("a") == 0)
        #expect(leastToMostRecent(table) == ["a", "b", "c"])
        #expect(table.set("d", 3) == "a")
    }

    @Test func updatingAKeyReplacesItsValueAndMakesItTheMostRecent() {
        var table = filled("a", "b", "c")
        #expect(table.set("a", 10) == nil)
        #expect(table.count == 3)
        #expect(table.peek("a") == 10)
        #expect(leastToMostRecent(table) == ["b", "c", "a"])
        #expect(table.set("d", 3) == "b")
    }

    @Test func removalFreesRoomAndKeepsTheRestInOrder() {
        var table = filled("a", "b", "c")
        #expect(table.remove("b") == 1)
        #expect(table.remove("b") == nil)
        #expect(table.count == 2)
        #expect(table.peek("b") == nil)
        #expect(leastToMostRecent(table) == ["a", "c"])
        // Room for one more without evicting; the freed slot is reused.
        #expect(table.set("d", 3) == nil)
        #expect(table.count == 3)
        #expect(leastToMostRecent(table) == ["a", "c", "d"])
        #expect(table.set("e", 4) == "a")
        // Removing the least and the most recent entries relinks both ends.
        #expect(table.remove("c") == 2)
        #expect(table.remove("e") == 4)
        #expect(leastToMostRecent(table) == ["d"])
        #expect(table.remove("d") == 3)
        #expect(table.count == 0)
        #expect(leastToMostRecent(table) == [])
        #expect(table.set("f", 5) == nil)
        #expect(table.get("f") == 5)
    }

    @Test func removesAndCountsByValue() {
        var table = filled("a", "b", "c", "d", capacity: 5)
        #expect(table.count { $0 % 2 == 0 } == 2)
        #expect(table.removeAll { $0 % 2 == 0 } == 2)
        #expect(table.count == 2)
        #expect(table.peek("a") == nil && table.peek("c") == nil)
        #expect(leastToMostRecent(table) == ["b", "d"])
    }

    @Test func capacityOfOne() {
        var table = LRUTable<String, Int>(capacity: 1)
        #expect(table.set("a", 1) == nil)
        #expect(table.set("b", 2) == "a")
        #expect(table.get("b") == 2)
        #expect(table.set("b", 3) == nil)
        #expect(table.count == 1)
        #expect(table.peek("b") == 3)
    }

    /// A long deterministic mix of operations against a plain array model of an LRU.
    @Test func agreesWithAReferenceModel() {
        let capacity = 8
        var table = LRUTable<String, Int>(capacity: capacity)
        var model: [(key: String, value: Int)] = []  // least recently used first
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(bound))
        }
        for step in 0..<5_000 {
            let key = "k\(next(14))"
            switch next(4) {
            case 0, 1:
                var expectedEviction: String?
                if let index = model.firstIndex(where: { $0.key == key }) {
                    model.remove(at: index)
                } else if model.count == capacity {
                    expectedEviction = model.removeFirst().key
                }
                model.append((key, step))
                #expect(table.set(key, step) == expectedEviction)
            case 2:
                var expected: Int?
                if let index = model.firstIndex(where: { $0.key == key }) {
                    let entry = model.remove(at: index)
                    model.append(entry)
                    expected = entry.value
                }
                #expect(table.get(key) == expected)
            default:
                let index = model.firstIndex(where: { $0.key == key })
                let expected = index.map { model.remove(at: $0).value }
                #expect(table.remove(key) == expected)
            }
            #expect(table.count == model.count)
            if step % 100 == 0 {
                #expect(leastToMostRecent(table) == model.map(\.key))
            }
        }
        #expect(leastToMostRecent(table) == model.map(\.key))
    }
}
