import HotlineModel

// The rules for the self-service records (see `SelfServiceStore`), applied by every
// backend before writing so SQLite and PostgreSQL reject the same input with the same
// message. The schema repeats the essential ones (digits, currency, dates, ranges).
//
// Nothing is trimmed or rewritten: numbers are matched exactly as digits, so a stored
// record is exactly the one the caller passed, and bad input is refused, not repaired.

extension Money {
    /// Throws `.invalid` on `currency` unless it is three upper-case ASCII letters.
    public func validateForStorage(_ what: @autoclosure () -> String) throws(StorageError) {
        guard currency.utf8.count == 3, currency.utf8.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }) else {
            throw .invalid(.currency, """
                The currency "\(currency)" of \(what()) is not an ISO 4217 code; use three \
                upper-case letters such as CNY or USD.
                """)
        }
    }
}

extension ServiceAccount {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.accountNumber(number)
        try SelfServiceRule.identifier(customerID.rawValue, field: .customerID, of: "customer")
        try SelfServiceRule.text(planZh, field: "planZh", of: "account \(number)")
        try SelfServiceRule.text(planEn, field: "planEn", of: "account \(number)")
        try balance.validateForStorage("the balance of account \(number)")
    }
}

extension Bill {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(id, field: .id, of: "bill")
        try SelfServiceRule.accountNumber(accountNumber)
        guard SelfServiceRule.isMonth(period) else {
            throw .invalid(.period, "Bill \(id) is for \"\(period)\"; give the billed month as YYYY-MM, e.g. 2026-10.")
        }
        guard SelfServiceRule.isDate(dueDate) else {
            throw .invalid(.date, "Bill \(id) is due on \"\(dueDate)\"; give the due date as YYYY-MM-DD, e.g. 2026-11-20.")
        }
        try amount.validateForStorage("bill \(id)")
    }
}

extension Card {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.cardNumber(number)
        try SelfServiceRule.identifier(customerID.rawValue, field: .customerID, of: "customer")
        try SelfServiceRule.accountNumber(accountNumber)
        guard SelfServiceRule.isMonth(expires) else {
            throw .invalid(.date, "Card \(number) expires \"\(expires)\"; give the expiry month as YYYY-MM, e.g. 2029-08.")
        }
    }
}

extension CardTransaction {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(id, field: .id, of: "card transaction")
        try SelfServiceRule.cardNumber(cardNumber)
        try amount.validateForStorage("card transaction \(id)")
        try SelfServiceRule.text(merchantZh, field: "merchantZh", of: "card transaction \(id)")
        try SelfServiceRule.text(merchantEn, field: "merchantEn", of: "card transaction \(id)")
    }
}

extension Order {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.orderNumber(number)
        try SelfServiceRule.identifier(customerID.rawValue, field: .customerID, of: "customer")
        try total.validateForStorage("order \(number)")
        try SelfServiceRule.text(itemsZh, field: "itemsZh", of: "order \(number)")
        try SelfServiceRule.text(itemsEn, field: "itemsEn", of: "order \(number)")
    }
}

extension Parcel {
    public func validateForStorage() throws(StorageError) {
        guard (4...40).contains(trackingNumber.utf8.count),
              trackingNumber.unicodeScalars.allSatisfy({ $0.isASCIIDigit || ("A"..."Z").contains($0) || ("a"..."z").contains($0) })
        else {
            throw .invalid(.trackingNumber, """
                Tracking number "\(trackingNumber)" must be 4 to 40 ASCII letters and digits, \
                as the carrier prints it (e.g. SF1234567890).
                """)
        }
        try SelfServiceRule.orderNumber(orderNumber)
        let parcel = "parcel \(trackingNumber)"
        try SelfServiceRule.text(carrierZh, field: "carrierZh", of: parcel)
        try SelfServiceRule.text(carrierEn, field: "carrierEn", of: parcel)
        try SelfServiceRule.text(locationZh, field: "locationZh", of: parcel)
        try SelfServiceRule.text(locationEn, field: "locationEn", of: parcel)
        if let estimatedDelivery, !SelfServiceRule.isDate(estimatedDelivery) {
            throw .invalid(.date, """
                Parcel \(trackingNumber) is expected on "\(estimatedDelivery)"; give the date as \
                YYYY-MM-DD, or nil once delivered.
                """)
        }
    }
}

extension Ticket {
    /// The number is not checked: the store allocates it.
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.optionalIdentifiers(customerID, interactionID)
        try SelfServiceRule.text(category, field: "category", of: "a ticket")
        try SelfServiceRule.text(kind, field: "kind", of: "a ticket")
    }
}

extension ReturnRequest {
    /// The number is not checked: the store allocates it.
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.orderNumber(orderNumber)
        try SelfServiceRule.optionalIdentifiers(customerID, interactionID)
        try SelfServiceRule.text(reason, field: "reason", of: "the return of order \(orderNumber)")
    }
}

extension Voicemail {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(id, field: .id, of: "voicemail")
        try SelfServiceRule.identifier(interactionID.rawValue, field: .interactionID, of: "interaction")
        // Caller ID may be withheld ("anonymous"), so only require something to show.
        try SelfServiceRule.text(from, field: "from", of: "voicemail \(id)")
        try SelfServiceRule.text(to, field: "to", of: "voicemail \(id)")
        try SelfServiceRule.text(path, field: .path, of: "voicemail \(id)")
        guard durationMilliseconds >= 0 else {
            throw .invalid(.duration, "Voicemail \(id) lasts \(durationMilliseconds) ms; a length cannot be negative.")
        }
    }
}

extension CallbackRequest {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(id, field: .id, of: "callback request")
        if let interactionID {
            try SelfServiceRule.identifier(interactionID.rawValue, field: .interactionID, of: "interaction")
        }
        let digits = PhoneDigits(number).digits.count
        guard (3...32).contains(digits),
              number.unicodeScalars.allSatisfy({ $0.isASCIIDigit || "+-(). ".unicodeScalars.contains($0) })
        else {
            throw .invalid(.number, """
                Callback request \(id) has the number "\(number)"; give a number that can be \
                dialled: 3 to 32 digits, optionally with + - ( ) . and spaces.
                """)
        }
        if let preferredTime { try SelfServiceRule.text(preferredTime, field: "preferredTime", of: "callback request \(id)") }
        if let queue { try SelfServiceRule.text(queue, field: "queue", of: "callback request \(id)") }
    }
}

extension PINSubject {
    /// Throws `.invalid` unless the key has the shape of its kind: a customer id, an
    /// account number or a card number.
    public func validateForStorage() throws(StorageError) {
        switch kind {
        case .customer: try SelfServiceRule.identifier(key, field: .customerID, of: "customer")
        case .account: try SelfServiceRule.accountNumber(key)
        case .card: try SelfServiceRule.cardNumber(key)
        }
    }

    /// Also checks the stored hash: never empty, never with spaces or control characters
    /// (a PIN in clear, "1234", would pass, which is why callers hash with `PINHasher`).
    public func validateForStorage(hash: String) throws(StorageError) {
        try validateForStorage()
        guard !hash.isEmpty, hash.utf8.count <= 512,
              !hash.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else {
            throw .invalid(.pin, """
                The PIN hash for \(self) must be 1 to 512 printable characters; store the output \
                of PINHasher (scrypt$N$r$p$salt$hash), never the PIN.
                """)
        }
    }

    /// Also checks a count of wrong tries.
    public func validateForStorage(failures: Int) throws(StorageError) {
        try validateForStorage()
        guard failures >= 0 else {
            throw .invalid(.pin, "PIN \(self) would have \(failures) wrong tries; count from 0.")
        }
    }
}

extension IVRStepRecord {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(interactionID.rawValue, field: .interactionID, of: "interaction")
        guard position >= 0 else {
            throw .invalid(.position, "IVR step \(position) of \(interactionID) is out of range; number the steps 0, 1, 2, ...")
        }
        let step = "IVR step \(position) of \(interactionID)"
        try SelfServiceRule.text(flow, field: "flow", of: step)
        try SelfServiceRule.text(node, field: "node", of: step)
        try SelfServiceRule.text(kind, field: "kind", of: step)
        try SelfServiceRule.text(outcome, field: "outcome", of: step)
        guard milliseconds >= 0 else {
            throw .invalid(.duration, "\(step) lasted \(milliseconds) ms; a length cannot be negative.")
        }
    }
}

extension IVRSummary {
    public func validateForStorage() throws(StorageError) {
        try SelfServiceRule.identifier(interactionID.rawValue, field: .interactionID, of: "interaction")
        let summary = "the IVR summary of \(interactionID)"
        try SelfServiceRule.text(flow, field: "flow", of: summary)
        guard flowVersion >= 0 else {
            throw .invalid(StorageError.Field(rawValue: "flowVersion"), "The flow version of \(summary) is \(flowVersion); count loads from 0.")
        }
        // A cheap shape check; the interpreter writes these, the agent desktop parses them.
        let json = variablesJSON.trimmedForStorage
        guard json.hasPrefix("{"), json.hasSuffix("}") else {
            throw .invalid(StorageError.Field(rawValue: "variablesJSON"), """
                The variables of \(summary) must be a JSON object ("{}" when there are none).
                """)
        }
        if let transfer {
            guard !transfer.queue.trimmedForStorage.isEmpty else {
                throw .invalid(.transfer, "The transfer in \(summary) has no queue; name the queue to route to.")
            }
            guard (1...10).contains(transfer.priority) else {
                throw .invalid(.transfer, "The transfer in \(summary) has priority \(transfer.priority); use 1 (first) to 10.")
            }
            guard !transfer.skills.contains(where: { $0.trimmedForStorage.isEmpty }) else {
                throw .invalid(.transfer, "The transfer in \(summary) lists an empty skill; remove it or name the skill.")
            }
        }
        if let endedAt, endedAt < startedAt {
            throw .invalid(StorageError.Field(rawValue: "endedAt"), "\(summary) ends before it starts; check the clock passed as now.")
        }
    }
}

/// Checks shared by the records above.
enum SelfServiceRule {
    /// Telecom accounts are phone numbers, bank accounts 12 to 19 digits.
    static func accountNumber(_ value: String) throws(StorageError) {
        guard isDigits(value, 6...19) else {
            throw .invalid(.accountNumber, "Account number \"\(value)\" must be 6 to 19 digits (0-9 only, no spaces).")
        }
    }

    static func cardNumber(_ value: String) throws(StorageError) {
        guard isDigits(value, 16...19) else {
            throw .invalid(.cardNumber, "Card number \"\(value)\" must be 16 to 19 digits (0-9 only, no spaces).")
        }
    }

    static func orderNumber(_ value: String) throws(StorageError) {
        guard isDigits(value, 6...20) else {
            throw .invalid(.orderNumber, "Order number \"\(value)\" must be 6 to 20 digits (0-9 only, no spaces).")
        }
    }

    /// The rule of `RecordValidation`'s ids: 1 to 128 characters, no spaces or controls.
    static func identifier(_ value: String, field: StorageError.Field, of kind: String) throws(StorageError) {
        guard !value.isEmpty, value.count <= 128,
              !value.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else {
            throw .invalid(field, "A \(kind) id must be 1 to 128 characters without spaces (got \"\(value)\").")
        }
    }

    static func optionalIdentifiers(_ customer: CustomerID?, _ interaction: InteractionID?) throws(StorageError) {
        if let customer { try identifier(customer.rawValue, field: .customerID, of: "customer") }
        if let interaction { try identifier(interaction.rawValue, field: .interactionID, of: "interaction") }
    }

    /// Text the IVR says or an agent reads: not blank.
    static func text(_ value: String, field: String, of record: String) throws(StorageError) {
        try text(value, field: StorageError.Field(rawValue: field), of: record)
    }

    static func text(_ value: String, field: StorageError.Field, of record: String) throws(StorageError) {
        guard !value.trimmedForStorage.isEmpty else {
            throw .invalid(field, "The \(field) of \(record) is empty; fill it in.")
        }
    }

    static func isDigits(_ value: String, _ lengths: ClosedRange<Int>) -> Bool {
        lengths.contains(value.utf8.count) && value.unicodeScalars.allSatisfy(\.isASCIIDigit)
    }

    /// `YYYY-MM` with a month 01...12.
    static func isMonth(_ value: String) -> Bool {
        let utf8 = Array(value.utf8)
        guard utf8.count == 7, utf8[4] == UInt8(ascii: "-"),
              let year = number(utf8[0..<4]), let month = number(utf8[5..<7])
        else { return false }
        return year >= 1 && (1...12).contains(month)
    }

    /// `YYYY-MM-DD`, a day that exists (2026-02-29 does not).
    static func isDate(_ value: String) -> Bool {
        let utf8 = Array(value.utf8)
        guard utf8.count == 10, utf8[7] == UInt8(ascii: "-"), isMonth(String(decoding: utf8[0..<7], as: UTF8.self)),
              let year = number(utf8[0..<4]), let month = number(utf8[5..<7]), let day = number(utf8[8..<10])
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
