import HotlineModel

/// Persistence for customers, optimised for the question asked on every incoming call:
/// "who is calling from this number?".
///
/// Validation, lookups returning nil and orders by byte order work as in `UserStore`.
public protocol CustomerStore: Sendable {
    /// Stores a new customer. Throws `.conflict` on `.phoneNumber` when one of the numbers
    /// (compared as `PhoneDigits`) already belongs to another customer, `.id` when taken.
    @discardableResult
    func createCustomer(_ customer: Customer) async throws -> Customer

    /// The customer with this id, or nil.
    func customer(id: CustomerID) async throws -> Customer?

    /// The customer owning this number, in any formatting ("+86 138-0013-8000" finds a
    /// customer stored with "8613800138000"), or nil. A number without digits finds
    /// nobody.
    func customer(phoneNumber: String) async throws -> Customer?

    /// Customers whose Chinese or English name contains `name`, case-insensitively,
    /// ordered by `Customer.nameSearchKey` then id, at most `limit` (1...`PageRequest.maximumLimit`).
    func searchCustomers(name: String, limit: Int) async throws -> [Customer]

    /// All customers ordered by `(createdAt, id)`, one page at a time.
    func customers(_ page: PageRequest) async throws -> Page<Customer>

    /// Replaces names, numbers, language, accounts and tags of the customer with the same
    /// id. `createdAt` is kept as first stored; the returned value shows it.
    @discardableResult
    func updateCustomer(_ customer: Customer) async throws -> Customer

    /// Deletes a customer and, through the schema, its numbers, accounts and tags.
    func deleteCustomer(id: CustomerID) async throws
}
