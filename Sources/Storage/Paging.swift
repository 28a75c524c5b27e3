import HotlineModel

/// Which slice of a long list to return.
///
/// Paging is by cursor (keyset), not by offset: a page starts strictly after the last
/// row of the previous one, so rows inserted meanwhile neither repeat nor vanish and
/// deep pages cost the same as the first.
public struct PageRequest: Hashable, Sendable {
    /// Largest page a store will return; bigger requests are `invalid` rather than
    /// silently truncated so the client learns the limit.
    public static let maximumLimit = 500

    /// How many items at most, 1...`maximumLimit`.
    public var limit: Int
    /// Continue after this cursor; nil for the first page.
    public var after: PageCursor?

    public init(limit: Int = 50, after: PageCursor? = nil) {
        self.limit = limit
        self.after = after
    }
}

/// Position after which the next page starts: the sort key of the last item returned.
///
/// Customers are listed by `(createdAt, id)`; `id` breaks ties between customers created
/// in the same millisecond. The `rawValue` form ("<ms>:<id>") is what HTTP clients pass
/// back, and should be treated as opaque by them.
public struct PageCursor: RawRepresentable, Hashable, Sendable, Codable {
    public var createdAt: Timestamp
    public var id: String

    public init(createdAt: Timestamp, id: String) {
        self.createdAt = createdAt
        self.id = id
    }

    public init?(rawValue: String) {
        guard let colon = rawValue.firstIndex(of: ":"),
              let ms = Int64(rawValue[..<colon])
        else { return nil }
        self.init(
            createdAt: Timestamp(millisecondsSinceEpoch: ms),
            id: String(rawValue[rawValue.index(after: colon)...])
        )
    }

    public var rawValue: String { "\(createdAt.millisecondsSinceEpoch):\(id)" }
}

/// One page of results and where the next one starts.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pass as `PageRequest.after` to get the next page; nil when this was the last.
    public var next: PageCursor?

    public init(items: [Item], next: PageCursor?) {
        self.items = items
        self.next = next
    }
}

extension Page: Equatable where Item: Equatable {}
extension Page: Hashable where Item: Hashable {}
