/// A binary min-heap of small integer keys (the engine's numbered contacts, agents and
/// timers) that can also remove a key from the middle: the waiting contacts of one queue
/// stage (best first), the engine's timers, the simulator's events.
///
/// Where each key sits is kept in a `positions` array indexed by key, owned by the caller
/// and passed in, so several heaps can share one (a contact waits in one heap at a time)
/// and no operation hashes. Push, pop and remove are O(log n); `first` is O(1). Elements
/// must be totally ordered for equal-looking ones to come out in a set order (the engine
/// breaks ties with a sequence number).
struct IndexedHeap<Element: Comparable & Sendable>: Sendable {
    private(set) var elements: [(key: Int, element: Element)] = []

    init() {}

    var count: Int { elements.count }
    var isEmpty: Bool { elements.isEmpty }
    var first: (key: Int, element: Element)? { elements.first }

    static func contains(_ key: Int, _ positions: [Int]) -> Bool { key < positions.count && positions[key] >= 0 }

    func element(_ key: Int, _ positions: [Int]) -> Element? {
        Self.contains(key, positions) ? elements[positions[key]].element : nil
    }

    /// Adds `element` under `key`, or replaces the element already there.
    mutating func push(_ key: Int, _ element: Element, _ positions: inout [Int]) {
        if key >= positions.count { positions += [Int](repeating: -1, count: max(key + 1 - positions.count, positions.count)) }
        let i = positions[key]
        if i >= 0 {
            elements[i].element = element
            if !siftUp(i, &positions) { siftDown(i, &positions) }
            return
        }
        elements.append((key, element))
        positions[key] = elements.count - 1
        siftUp(elements.count - 1, &positions)
    }

    @discardableResult
    mutating func popFirst(_ positions: inout [Int]) -> (key: Int, element: Element)? {
        guard let top = elements.first else { return nil }
        remove(top.key, &positions)
        return top
    }

    @discardableResult
    mutating func remove(_ key: Int, _ positions: inout [Int]) -> Element? {
        guard Self.contains(key, positions) else { return nil }
        let i = positions[key]
        positions[key] = -1
        let removed = elements[i].element
        let last = elements.count - 1
        if i != last {
            elements[i] = elements[last]
            positions[elements[i].key] = i
            elements.removeLast()
            if !siftUp(i, &positions) { siftDown(i, &positions) }
        } else {
            elements.removeLast()
        }
        return removed
    }

    /// Moves the element at `start` up while it is less than its parent; true when it moved.
    @discardableResult
    private mutating func siftUp(_ start: Int, _ positions: inout [Int]) -> Bool {
        var i = start
        let moving = elements[i]
        while i > 0 {
            let parent = (i - 1) / 2
            guard moving.element < elements[parent].element else { break }
            elements[i] = elements[parent]
            positions[elements[i].key] = i
            i = parent
        }
        guard i != start else { return false }
        elements[i] = moving
        positions[moving.key] = i
        return true
    }

    private mutating func siftDown(_ start: Int, _ positions: inout [Int]) {
        var i = start
        let moving = elements[i]
        let n = elements.count
        while true {
            let left = 2 * i + 1
            guard left < n else { break }
            let right = left + 1
            let child = right < n && elements[right].element < elements[left].element ? right : left
            guard elements[child].element < moving.element else { break }
            elements[i] = elements[child]
            positions[elements[i].key] = i
            i = child
        }
        guard i != start else { return }
        elements[i] = moving
        positions[moving.key] = i
    }
}
