import HotlineModel
import Storage
import XCTest

/// The audit log; see `HotlineStoreConformance`.
extension HotlineStoreConformance {
    static func audit(_ actor: String, _ action: String, _ subject: String, at ms: Int64, detail: String? = nil)
        -> AuditEntry {
        AuditEntry(at: at(ms), actor: actor, action: action, subject: subject, detail: detail)
    }

    /// `entry` as the store returns it: numbered.
    static func numbered(_ entry: AuditEntry, _ sequence: Int64) -> AuditEntry {
        var numbered = entry
        numbered.sequence = sequence
        return numbered
    }

    func auditAppendAndRead() async throws {
        try await withStore { store in
            let empty = try await store.auditEntries(subject: nil, actor: nil, limit: 10, before: nil)
            XCTAssertEqual(empty, [])

            // The fourth entry's clock stepped back: the log still orders by sequence.
            let appended: [AuditEntry] = [
                Self.audit("1001", "customer.view", "customers/c-1", at: 1_000),
                Self.audit("1002", "customer.create", "customers/c-2", at: 2_000, detail: "created with 2 phone numbers"),
                Self.audit("1001", "customer.update", "customers/c-2", at: 3_000, detail: "changed nameEn, phoneNumbers"),
                Self.audit("1002", "customer.view", "customers/c-1", at: 2_500),
                Self.audit("system", "customer.delete", "customers/c-1", at: 4_000,
                           detail: "客户要求注销, \"GDPR\"\nline two"),
                Self.audit("1001", "customer.view", "customers/c-1", at: 5_000),
            ]
            var stored: [AuditEntry] = []
            for entry in appended {
                let result = try await store.appendAudit(entry)
                stored.append(result)
            }
            // A fresh log numbers from 1 in append order; the rest comes back as passed.
            XCTAssertEqual(stored, appended.enumerated().map { Self.numbered($1, Int64($0 + 1)) })

            let all = try await store.auditEntries(subject: nil, actor: nil, limit: 10, before: nil)
            XCTAssertEqual(all, stored.reversed())
            let c1 = try await store.auditEntries(subject: "customers/c-1", actor: nil, limit: 10, before: nil)
            XCTAssertEqual(c1, [stored[5], stored[4], stored[3], stored[0]])
            let by1001 = try await store.auditEntries(subject: nil, actor: "1001", limit: 10, before: nil)
            XCTAssertEqual(by1001, [stored[5], stored[2], stored[0]])
            let both = try await store.auditEntries(subject: "customers/c-1", actor: "1001", limit: 10, before: nil)
            XCTAssertEqual(both, [stored[5], stored[0]])
            // Filters are exact: no prefix or case-insensitive matches.
            let prefix = try await store.auditEntries(subject: "customers/c-", actor: nil, limit: 10, before: nil)
            XCTAssertEqual(prefix, [])
            let nobody = try await store.auditEntries(subject: nil, actor: "SYSTEM", limit: 10, before: nil)
            XCTAssertEqual(nobody, [])

            // Paging: strictly older than the last sequence of the previous page.
            let page1 = try await store.auditEntries(subject: nil, actor: nil, limit: 4, before: nil)
            XCTAssertEqual(page1, [stored[5], stored[4], stored[3], stored[2]])
            let page2 = try await store.auditEntries(subject: nil, actor: nil, limit: 4, before: 3)
            XCTAssertEqual(page2, [stored[1], stored[0]])
            let past = try await store.auditEntries(subject: nil, actor: nil, limit: 4, before: 1)
            XCTAssertEqual(past, [])
            let c1Page = try await store.auditEntries(subject: "customers/c-1", actor: nil, limit: 2, before: 5)
            XCTAssertEqual(c1Page, [stored[3], stored[0]])
            let c1Last = try await store.auditEntries(subject: "customers/c-1", actor: nil, limit: 1, before: 4)
            XCTAssertEqual(c1Last, [stored[0]])
            // A cursor past the newest entry is simply the whole log.
            let future = try await store.auditEntries(subject: nil, actor: "1002", limit: 10, before: 1_000)
            XCTAssertEqual(future, [stored[3], stored[1]])

            // Appending continues the numbering.
            let seventh = try await store.appendAudit(Self.audit("1003", "customer.view", "customers/c-2", at: 6_000))
            XCTAssertEqual(seventh.sequence, 7)
            let newest = try await store.auditEntries(subject: "customers/c-2", actor: nil, limit: 1, before: nil)
            XCTAssertEqual(newest, [seventh])
        }
    }

    /// Concurrent appends each get their own sequence: 1...n, none twice.
    func auditConcurrentAppends() async throws {
        try await withStore { store in
            let count = 24
            let sequences = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for n in 0..<count {
                    group.addTask {
                        try await store.appendAudit(Self.audit("\(1000 + n)", "customer.view", "customers/c-\(n)", at: Int64(n)))
                            .sequence
                    }
                }
                var sequences: [Int64] = []
                for try await sequence in group {
                    sequences.append(try XCTUnwrap(sequence))
                }
                return sequences
            }
            XCTAssertEqual(sequences.sorted(), Array(1...Int64(count)))
            let all = try await store.auditEntries(subject: nil, actor: nil, limit: 500, before: nil)
            XCTAssertEqual(all.map(\.sequence), (1...Int64(count)).reversed().map { $0 })
            // Each entry kept its own fields under the sequence it was given.
            for entry in all {
                let n = Int(entry.actor)! - 1000
                XCTAssertEqual(entry.subject, "customers/c-\(n)")
                XCTAssertEqual(entry.at, Self.at(Int64(n)))
            }
        }
    }

    func auditValidation() async throws {
        try await withStore { store in
            let good = Self.audit("1001", "customer.view", "customers/c-1", at: 0)
            func with(_ change: (inout AuditEntry) -> Void) -> AuditEntry {
                var entry = good
                change(&entry)
                return entry
            }
            let invalid: [(StorageError.Field, AuditEntry)] = [
                (.sequence, with { $0.sequence = 1 }),
                (.actor, with { $0.actor = "" }),
                (.actor, with { $0.actor = "agent 7" }),
                (.actor, with { $0.actor = "1001\n" }),
                (.actor, with { $0.actor = "1001\u{3000}" }),
                (.actor, with { $0.actor = String(repeating: "a", count: 65) }),
                (.action, with { $0.action = "" }),
                (.action, with { $0.action = "Customer.View" }),
                (.action, with { $0.action = "customer_view" }),
                (.action, with { $0.action = "customer view" }),
                (.action, with { $0.action = "customer.view2" }),
                (.action, with { $0.action = "查看" }),
                (.action, with { $0.action = String(repeating: "a", count: 65) }),
                (.subject, with { $0.subject = "" }),
                (.subject, with { $0.subject = "   " }),
                (.subject, with { $0.subject = "customers/c-1\u{7}" }),
                (.subject, with { $0.subject = String(repeating: "s", count: 201) }),
                (.detail, with { $0.detail = String(repeating: "d", count: 2001) }),
                // 2000 characters, 2001 Unicode scalars: what SQL `length` counts.
                (.detail, with { $0.detail = String(repeating: "d", count: 1999) + "e\u{301}" }),
            ]
            for (field, entry) in invalid {
                await assertStorageError(.invalid, field: field) { try await store.appendAudit(entry) }
            }
            let none = try await store.auditEntries(subject: nil, actor: nil, limit: 10, before: nil)
            XCTAssertEqual(none, [])

            // The longest of each field passes, counted in characters (Chinese included).
            let longest = AuditEntry(at: Self.at(1), actor: String(repeating: "用", count: 64),
                                     action: "customer." + String(repeating: "-", count: 55),
                                     subject: String(repeating: "客", count: 200),
                                     detail: String(repeating: "改", count: 2000))
            let stored = try await store.appendAudit(longest)
            XCTAssertEqual(stored, Self.numbered(longest, 1))
            let reread = try await store.auditEntries(subject: longest.subject, actor: longest.actor, limit: 1, before: nil)
            XCTAssertEqual(reread, [stored])

            for limit in [0, -1, PageRequest.maximumLimit + 1] {
                await assertStorageError(.invalid, field: .limit) {
                    try await store.auditEntries(subject: nil, actor: nil, limit: limit, before: nil)
                }
            }
            // An empty detail is stored as given, not as nil.
            let blank = try await store.appendAudit(with { $0.detail = "" })
            XCTAssertEqual(blank, Self.numbered(with { $0.detail = "" }, 2))
            let most = try await store.auditEntries(subject: nil, actor: nil, limit: PageRequest.maximumLimit, before: nil)
            XCTAssertEqual(most, [blank, stored])
        }
    }

    /// Audit entries are still there after closing the store and opening the same
    /// database again, and numbering continues after the last one.
    ///
    /// - Parameter open: opens the *same* database on every call.
    static func auditPersistsAcrossReopen(open: () async throws -> any HotlineStore) async throws {
        let first = try await open()
        let one = try await first.appendAudit(audit("1001", "customer.view", "customers/c-1", at: 0))
        let two = try await first.appendAudit(audit("1002", "customer.update", "customers/c-1", at: 1, detail: "changed tags"))
        try await first.close()

        let second = try await open()
        let three = try await second.appendAudit(audit("1001", "customer.view", "customers/c-2", at: 2))
        XCTAssertEqual(three.sequence, 3)
        let all = try await second.auditEntries(subject: nil, actor: nil, limit: 10, before: nil)
        XCTAssertEqual(all, [three, two, one])
        try await second.close()
    }
}
