import HotlineModel
import Storage
import XCTest

/// Customer checks; see `HotlineStoreConformance`.
extension HotlineStoreConformance {
    func customerFindByNormalizedPhone() async throws {
        try await withStore { store in
            var input = Fixtures.customer(1, nameZh: "张伟", nameEn: "Wei Zhang",
                                          phones: ["+86 138-0013-8000", " 010 6552 9988 "])
            input.accountNumbers = ["AC-1001", "AC-0007"]
            input.tags = ["vip", "complaint-open"]
            input.language = .enUS
            let created = try await store.createCustomer(input)
            var expected = input
            expected.phoneNumbers = ["+86 138-0013-8000", "010 6552 9988"]  // trimmed, as entered
            XCTAssertEqual(created, expected)
            let byID = try await store.customer(id: "c-1")
            XCTAssertEqual(byID, expected)

            // Every spelling with the same digits finds the customer.
            for spelling in ["8613800138000", "+86 138-0013-8000", "+86 (138) 0013.8000",
                             "＋８６ １３８ ００１３ ８０００", "01065529988"] {
                let found = try await store.customer(phoneNumber: spelling)
                XCTAssertEqual(found, expected, spelling)
            }
            // Different digits (no country-code guessing) or no digits find nobody.
            for spelling in ["13800138000", "008613800138000", "", "unknown", "+"] {
                let found = try await store.customer(phoneNumber: spelling)
                XCTAssertNil(found, spelling)
            }
            let missing = try await store.customer(id: "c-2")
            XCTAssertNil(missing)
        }
    }

    func customerConflictsAndValidation() async throws {
        try await withStore { store in
            let first = try await store.createCustomer(Fixtures.customer(1, phones: ["+86 138-0013-8000"]))

            let sameNumber = Fixtures.customer(2, phones: ["8613800138000"])
            let conflict = await assertStorageError(.conflict, field: .phoneNumber) {
                try await store.createCustomer(sameNumber)
            }
            XCTAssertTrue(conflict?.message.contains("c-1") ?? false, "names the owner: \(String(describing: conflict))")
            let notStored = try await store.customer(id: "c-2")
            XCTAssertNil(notStored)

            await assertStorageError(.conflict, field: .id) {
                try await store.createCustomer(Fixtures.customer(1, phones: ["+1 555 0100"]))
            }

            let second = try await store.createCustomer(Fixtures.customer(2, phones: ["+1 555 0101"]))
            var stealing = second
            stealing.phoneNumbers.append("+86 13800138000")
            await assertStorageError(.conflict, field: .phoneNumber) { try await store.updateCustomer(stealing) }
            let unchanged = try await store.customer(id: "c-2")
            XCTAssertEqual(unchanged, second)
            let stillFirst = try await store.customer(phoneNumber: "8613800138000")
            XCTAssertEqual(stillFirst, first)

            var duplicateNumbers = Fixtures.customer(3, phones: ["+86 138 0013 8001", "8613800138001"])
            await assertStorageError(.invalid, field: .phoneNumber) { try await store.createCustomer(duplicateNumbers) }
            duplicateNumbers.phoneNumbers = ["n/a"]
            await assertStorageError(.invalid, field: .phoneNumber) { try await store.createCustomer(duplicateNumbers) }
            var badAccount = Fixtures.customer(3)
            badAccount.accountNumbers = [" "]
            await assertStorageError(.invalid, field: .accountNumber) { try await store.createCustomer(badAccount) }
            var badTag = Fixtures.customer(3)
            badTag.tags = [""]
            await assertStorageError(.invalid, field: .tags) { try await store.createCustomer(badTag) }
            await assertStorageError(.invalid, field: .id) { try await store.createCustomer(Customer(id: "", createdAt: Timestamp(millisecondsSinceEpoch: 0))) }
            let page = try await store.customers(PageRequest(limit: 10))
            XCTAssertEqual(page.items.map(\.id), ["c-1", "c-2"])
        }
    }

    func customerUpdateAndDelete() async throws {
        try await withStore { store in
            let original = try await store.createCustomer(
                Fixtures.customer(1, nameZh: "张伟", phones: ["+86 138-0013-8000"]))

            var changed = original
            changed.nameZh = "  "  // blank names are stored as nil
            changed.nameEn = "Wei Zhang"
            changed.phoneNumbers = ["+86 139 0000 0000"]
            changed.accountNumbers = ["AC-9"]
            changed.tags = ["vip"]
            changed.language = .enUS
            changed.createdAt = Timestamp(millisecondsSinceEpoch: 0)  // ignored: creation time is kept
            let updated = try await store.updateCustomer(changed)
            var expected = changed
            expected.nameZh = nil
            expected.createdAt = original.createdAt
            XCTAssertEqual(updated, expected)
            let reread = try await store.customer(id: "c-1")
            XCTAssertEqual(reread, expected)
            let oldNumber = try await store.customer(phoneNumber: "8613800138000")
            XCTAssertNil(oldNumber)
            let newNumber = try await store.customer(phoneNumber: "8613900000000")
            XCTAssertEqual(newNumber, expected)

            await assertStorageError(.notFound) { try await store.updateCustomer(Fixtures.customer(2)) }
            await assertStorageError(.notFound) { try await store.deleteCustomer(id: "c-2") }

            try await store.deleteCustomer(id: "c-1")
            let gone = try await store.customer(id: "c-1")
            XCTAssertNil(gone)
            let goneByNumber = try await store.customer(phoneNumber: "8613900000000")
            XCTAssertNil(goneByNumber)
            // The number was freed with the customer (ON DELETE CASCADE).
            let reused = try await store.createCustomer(Fixtures.customer(2, phones: ["+86 139 0000 0000"]))
            let foundReused = try await store.customer(phoneNumber: "8613900000000")
            XCTAssertEqual(foundReused, reused)
        }
    }

    func customerNameSearch() async throws {
        try await withStore { store in
            let weiZhang = try await store.createCustomer(Fixtures.customer(1, nameZh: "张伟", nameEn: "Wei Zhang"))
            let minZhang = try await store.createCustomer(Fixtures.customer(2, nameZh: "张敏", nameEn: "Min ZHANG"))
            let naLi = try await store.createCustomer(Fixtures.customer(3, nameZh: "李娜", nameEn: "Na Li"))
            let juice = try await store.createCustomer(Fixtures.customer(4, nameEn: "100% Juice Ltd"))
            let fang = try await store.createCustomer(Fixtures.customer(5, nameZh: "王芳"))
            try await store.createCustomer(Fixtures.customer(6))  // no name at all

            // Ordered by name (byte order of the lower-cased Chinese, then English name).
            let expectations: [(String, [Customer])] = [
                ("张", [weiZhang, minZhang]),
                ("zhang", [weiZhang, minZhang]),
                ("ZHANG", [weiZhang, minZhang]),
                (" wei zhang ", [weiZhang]),
                ("na li", [naLi]),
                ("芳", [fang]),
                ("100%", [juice]),
                ("%", [juice]),   // literal, not a wildcard
                ("_", []),        // literal, not a wildcard
                ("\\", []),
                ("nobody", []),
            ]
            for (query, expected) in expectations {
                let found = try await store.searchCustomers(name: query, limit: 10)
                XCTAssertEqual(found.map(\.id), expected.map(\.id), "search \(query)")
                XCTAssertEqual(found, expected, "search \(query)")
            }
            let limited = try await store.searchCustomers(name: "zhang", limit: 1)
            XCTAssertEqual(limited, [weiZhang])

            await assertStorageError(.invalid, field: .name) { try await store.searchCustomers(name: "  ", limit: 10) }
            await assertStorageError(.invalid, field: .paging) { try await store.searchCustomers(name: "zhang", limit: 0) }
        }
    }

    func customerPaging() async throws {
        try await withStore { store in
            let empty = try await store.customers(PageRequest(limit: 10))
            XCTAssertEqual(empty, Page(items: [], next: nil))

            // 23 customers, three per millisecond, inserted in reverse id order, so both
            // parts of the (createdAt, id) key matter.
            var all: [Customer] = []
            for number in (0..<23).reversed() {
                let customer = Fixtures.customer(
                    number, nameEn: "Customer \(number)", createdAt: 1_700_000_000_000 + Int64(number / 3))
                all.append(try await store.createCustomer(customer))
            }
            // Ids "c-0"..."c-22" compare as text, which is what the tiebreak uses.
            all.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }

            var collected: [Customer] = []
            var sizes: [Int] = []
            var request = PageRequest(limit: 10)
            while true {
                let page = try await store.customers(request)
                collected += page.items
                sizes.append(page.items.count)
                guard let next = page.next else { break }
                XCTAssertEqual(next, PageCursor(createdAt: page.items.last!.createdAt, id: page.items.last!.id.rawValue))
                XCTAssertEqual(PageCursor(rawValue: next.rawValue), next)
                request.after = next
            }
            XCTAssertEqual(sizes, [10, 10, 3])
            XCTAssertEqual(collected, all)

            // A page that ends exactly at the last customer says there is no next page.
            let whole = try await store.customers(PageRequest(limit: 23))
            XCTAssertEqual(whole, Page(items: all, next: nil))
            let allButOne = try await store.customers(PageRequest(limit: 22))
            XCTAssertEqual(allButOne.items, Array(all.prefix(22)))
            let rest = try await store.customers(PageRequest(limit: 22, after: allButOne.next))
            XCTAssertEqual(rest, Page(items: [all[22]], next: nil))

            await assertStorageError(.invalid, field: .paging) { try await store.customers(PageRequest(limit: 0)) }
            await assertStorageError(.invalid, field: .paging) {
                try await store.customers(PageRequest(limit: PageRequest.maximumLimit + 1))
            }
        }
    }
}
