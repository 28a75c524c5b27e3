/// Someone the center talks to, as the agent's screen pop shows them.
///
/// Names are kept per language rather than as one string because agents greet in the
/// caller's language and the same person is often known as both "张伟" and "Wei Zhang".
/// Either name may be missing: a first-time caller is created from caller ID alone.
public struct Customer: Hashable, Codable, Sendable {
    public var id: CustomerID
    /// Name in Chinese, e.g. "张伟".
    public var nameZh: String?
    /// Name in English (Latin script), e.g. "Wei Zhang".
    public var nameEn: String?
    /// Numbers as entered, primary first. Each number belongs to at most one customer,
    /// compared by `PhoneDigits`, which is how an incoming call finds its customer.
    public var phoneNumbers: [String]
    /// Language the IVR and the agent should use.
    public var language: Language
    /// Account or contract numbers the caller may quote, primary first.
    public var accountNumbers: [String]
    /// Free labels such as "vip" or "complaint-open" that routing and screen pop can use.
    public var tags: Set<String>
    /// When the customer record was first created; never changes afterwards.
    public var createdAt: Timestamp

    public init(
        id: CustomerID,
        nameZh: String? = nil,
        nameEn: String? = nil,
        phoneNumbers: [String] = [],
        language: Language = .zhCN,
        accountNumbers: [String] = [],
        tags: Set<String> = [],
        createdAt: Timestamp
    ) {
        self.id = id
        self.nameZh = nameZh
        self.nameEn = nameEn
        self.phoneNumbers = phoneNumbers
        self.language = language
        self.accountNumbers = accountNumbers
        self.tags = tags
        self.createdAt = createdAt
    }

    /// The name to show in `language`, falling back to the other language's name.
    public func displayName(in language: Language) -> String? {
        switch language {
        case .zhCN: nameZh ?? nameEn
        case .enUS: nameEn ?? nameZh
        }
    }
}
