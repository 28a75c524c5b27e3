/// A binary min-heap whose elements can also be removed by key: the waiting contacts of
/// one queue stage (best first), and the engine's timers.
///
/// Push, pop and remove are O(log n); `first` is O(1). Elements must be totally ordered
/// for the order of equal-looking elements to be deterministic (the engine breaks ties
/// with a sequence number).
struct IndexedHeap<Key: Hashable & Sendable, Element: Comparable & Sendable>: Sendable {
    private(set) var elements: [(key: Key, element: Element)] = []
    private var positions: [Key: Int] = [:]

    init() {}

    private func less(_ a: Element, _ b: Element) -> Bool { a < b }

    var count: Int { elements.count }
    var isEmpty: Bool { elements.isEmpty }
    var first: (key: Key, element: Element)? { elements.first }

    func contains(_ key: Key) -> Bool { positions[key] != nil }

    func element(_ key: Key) -> Element? { positions[key].map { elements[$0].element } }

    /// Adds `element`, or replaces the element with the same key.
    mutating func push(_ key: Key, _ element: Element) {
        if let i = positions[key] {
            elements[i].element = element
            if !siftUp(i) { siftDown(i) }
            return
        }
        elements.append((key, element))
        positions[key] = elements.count - 1
        siftUp(elements.count - 1)
    }

    @discardableResult
    mutating func popFirst() -> (key: Key, element: Element)? {
        guard let top = elements.first else { return nil }
        remove(top.key)
        return top
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Element? {
        guard let i = positions.removeValue(forKey: key) else { return nil }
        let removed = elements[i].element
        let last = elements.count - 1
        if i != last {
            elements.swapAt(i, last)
            positions[elements[i].key] = i
            elements.removeLast()
            if !siftUp(i) { siftDown(i) }
        } else {
            elements.removeLast()
        }
        return removed
    }

    /// Moves the element at `i` up while it is less than its parent; true when it moved.
    @discardableResult
    private mutating func siftUp(_ start: Int) -> Bool {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(elements[i].element, elements[parent].element) else { break }
            swap(i, parent)
            i = parent
        }
        return i != start
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < elements.count, less(elements[left].element, elements[smallest].element) { smallest = left }
            if right < elements.count, less(elements[right].element, elements[smallest].element) { smallest = right }
            guard smallest != i else { return }
            swap(i, smallest)
            i = smallest
        }
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        elements.swapAt(a, b)
        positions[elements[a].key] = a
        positions[elements[b].key] = b
    }
}
