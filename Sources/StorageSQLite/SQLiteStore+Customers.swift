import GRDB
import HotlineModel
import Storage

extension SQLiteStore {
    @discardableResult
    public func createCustomer(_ customer: Customer) async throws -> Customer {
        let customer = try customer.validatedForStorage()
        try await write("create customer \(customer.id)") { db in
            try CustomerRows.checkPhoneNumbersAreFree(for: customer, db)
            try db.execute(sql: """
                INSERT INTO customers (id, name_zh, name_en, name_key, language, created_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [
                    customer.id.rawValue, customer.nameZh, customer.nameEn, customer.nameSearchKey,
                    customer.language.rawValue, customer.createdAt.millisecondsSinceEpoch,
                ])
            try CustomerRows.insertChildren(of: customer, db)
        }
        return customer
    }

    public func customer(id: CustomerID) async throws -> Customer? {
        try await read("find customer \(id)") { db in
            try CustomerRows.fetch(db, where: "id = ?", [id.rawValue], orderBy: "id").first
        }
    }

    public func customer(phoneNumber: String) async throws -> Customer? {
        let digits = PhoneDigits(phoneNumber)
        guard !digits.isEmpty else { return nil }
        return try await read("find the customer with phone number \(phoneNumber)") { db in
            try CustomerRows.fetch(db, where: """
                id IN (SELECT customer_id FROM customer_phones WHERE digits = ?)
                """, [digits.digits], orderBy: "id").first
        }
    }

    public func searchCustomers(name: String, limit: Int) async throws -> [Customer] {
        try PageRequest.validateLimit(limit)
        let pattern = try CustomerNameSearch.likePattern(for: name)
        return try await read("search customers named \(name)") { db in
            try CustomerRows.fetch(
                db, where: "name_key LIKE ? ESCAPE '\(CustomerNameSearch.escapeCharacter)'",
                [pattern], orderBy: "name_key, id", limit: limit)
        }
    }

    public func customers(_ page: PageRequest) async throws -> Page<Customer> {
        let page = try page.validated()
        return try await read("list customers") { db in
            var condition: String?
            var arguments: [any DatabaseValueConvertible] = []
            if let after = page.after {
                // Keyset paging on (created_at, id), spelled without row values.
                condition = "created_at > ? OR (created_at = ? AND id > ?)"
                let ms = after.createdAt.millisecondsSinceEpoch
                arguments = [ms, ms, after.id]
            }
            // One extra row tells whether another page exists without a COUNT.
            var customers = try CustomerRows.fetch(
                db, where: condition, arguments, orderBy: "created_at, id", limit: page.limit + 1)
            let hasMore = customers.count > page.limit
            if hasMore { customers.removeLast() }
            let next = hasMore ? customers.last.map { PageCursor(createdAt: $0.createdAt, id: $0.id.rawValue) } : nil
            return Page(items: customers, next: next)
        }
    }

    @discardableResult
    public func updateCustomer(_ customer: Customer) async throws -> Customer {
        let customer = try customer.validatedForStorage()
        return try await write("update customer \(customer.id)") { db in
            try db.execute(sql: """
                UPDATE customers SET name_zh = ?, name_en = ?, name_key = ?, language = ?
                WHERE id = ?
                """, arguments: [
                    customer.nameZh, customer.nameEn, customer.nameSearchKey,
                    customer.language.rawValue, customer.id.rawValue,
                ])
            guard db.changesCount > 0 else {
                throw StorageError.notFound("Customer \(customer.id) does not exist; create it first or check the id.")
            }
            try CustomerRows.checkPhoneNumbersAreFree(for: customer, db)
            for table in ["customer_phones", "customer_accounts", "customer_tags"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE customer_id = ?", arguments: [customer.id.rawValue])
            }
            try CustomerRows.insertChildren(of: customer, db)
            // Read back so the caller sees the stored createdAt.
            guard let stored = try CustomerRows.fetch(db, where: "id = ?", [customer.id.rawValue], orderBy: "id").first else {
                throw StorageError.notFound("Customer \(customer.id) vanished while being updated; retry.")
            }
            return stored
        }
    }

    public func deleteCustomer(id: CustomerID) async throws {
        try await write("delete customer \(id)") { db in
            // Numbers, accounts and tags go with it: ON DELETE CASCADE.
            try db.execute(sql: "DELETE FROM customers WHERE id = ?", arguments: [id.rawValue])
            guard db.changesCount > 0 else {
                throw StorageError.notFound("Customer \(id) does not exist, so there is nothing to delete.")
            }
        }
    }
}

/// Row mapping for the customer tables.
enum CustomerRows {
    /// Throws a `.conflict` naming the number and its owner when another customer already
    /// has one of `customer`'s numbers. The UNIQUE index would catch it too, but SQLite's
    /// message cannot say which number, and an agent merging duplicates needs to know.
    static func checkPhoneNumbersAreFree(for customer: Customer, _ db: Database) throws {
        for number in customer.phoneNumbers {
            let digits = PhoneDigits(number).digits
            if let owner = try String.fetchOne(db, sql: """
                SELECT customer_id FROM customer_phones WHERE digits = ? AND customer_id <> ?
                """, arguments: [digits, customer.id.rawValue]) {
                throw StorageError.conflict(.phoneNumber, """
                    Phone number \(number) already belongs to customer \(owner); update that \
                    customer or remove the number from it first.
                    """)
            }
        }
    }

    static func insertChildren(of customer: Customer, _ db: Database) throws {
        let id = customer.id.rawValue
        for (position, number) in customer.phoneNumbers.enumerated() {
            try db.execute(sql: """
                INSERT INTO customer_phones (customer_id, position, number, digits) VALUES (?, ?, ?, ?)
                """, arguments: [id, position, number, PhoneDigits(number).digits])
        }
        for (position, account) in customer.accountNumbers.enumerated() {
            try db.execute(sql: """
                INSERT INTO customer_accounts (customer_id, position, account_number) VALUES (?, ?, ?)
                """, arguments: [id, position, account])
        }
        for tag in customer.tags.sorted() {
            try db.execute(
                sql: "INSERT INTO customer_tags (customer_id, tag) VALUES (?, ?)",
                arguments: [id, tag])
        }
    }

    /// Customers matching `condition` (a WHERE clause over `customers`), in `order`, with
    /// their numbers, accounts and tags loaded in one query per table.
    static func fetch(
        _ db: Database,
        where condition: String?,
        _ arguments: [any DatabaseValueConvertible],
        orderBy order: String,
        limit: Int? = nil
    ) throws -> [Customer] {
        var sql = "SELECT id, name_zh, name_en, language, created_at FROM customers"
        var arguments = arguments
        if let condition { sql += " WHERE \(condition)" }
        sql += " ORDER BY \(order)"
        if let limit {
            sql += " LIMIT ?"
            arguments.append(limit)
        }
        let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
        let ids = try rows.map { try $0.decode(String.self, forColumn: "id") }

        var phones = [String: [String]]()
        var accounts = [String: [String]]()
        var tags = [String: Set<String>]()
        for chunk in inListChunks(ids) {
            let inList = sqlPlaceholders(chunk.count)
            for row in try Row.fetchAll(db, sql: """
                SELECT customer_id, number FROM customer_phones WHERE customer_id IN (\(inList))
                ORDER BY customer_id, position
                """, arguments: StatementArguments(chunk)) {
                phones[try row.decode(forColumn: "customer_id"), default: []].append(try row.decode(forColumn: "number"))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT customer_id, account_number FROM customer_accounts WHERE customer_id IN (\(inList))
                ORDER BY customer_id, position
                """, arguments: StatementArguments(chunk)) {
                accounts[try row.decode(forColumn: "customer_id"), default: []].append(try row.decode(forColumn: "account_number"))
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT customer_id, tag FROM customer_tags WHERE customer_id IN (\(inList))
                """, arguments: StatementArguments(chunk)) {
                tags[try row.decode(forColumn: "customer_id"), default: []].insert(try row.decode(forColumn: "tag"))
            }
        }

        return try rows.map { row in
            let id = try row.decode(String.self, forColumn: "id")
            let rawLanguage = try row.decode(String.self, forColumn: "language")
            guard let language = Language(rawValue: rawLanguage) else { throw unreadable("language", rawLanguage) }
            return Customer(
                id: CustomerID(id),
                nameZh: try row.decode(String?.self, forColumn: "name_zh"),
                nameEn: try row.decode(String?.self, forColumn: "name_en"),
                phoneNumbers: phones[id] ?? [],
                language: language,
                accountNumbers: accounts[id] ?? [],
                tags: tags[id] ?? [],
                createdAt: Timestamp(millisecondsSinceEpoch: try row.decode(Int64.self, forColumn: "created_at")))
        }
    }
}
