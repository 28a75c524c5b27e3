import HotlineModel

// The rules every backend applies before writing, kept here so SQLite and PostgreSQL
// reject exactly the same input with exactly the same messages. The schema repeats the
// essential ones (NOT NULL, CHECK, UNIQUE) so that no other writer can break them either.

extension User {
    /// This user as it would be stored: display name and skill names trimmed, skills
    /// sorted by name. Throws `.invalid` naming the first offending field.
    public func validatedForStorage() throws(StorageError) -> User {
        var user = self
        try requireIdentifier(id.rawValue, of: "user")
        guard !username.isEmpty, username.count <= 64,
              username.unicodeScalars.allSatisfy(Self.isSIPUserCharacter)
        else {
            throw .invalid(.username, """
                Username "\(username)" cannot be used as a SIP extension; use 1 to 64 ASCII \
                letters, digits or - _ . ! ~ * ' ( ) & = + $ , ; ? / (for example "1001").
                """)
        }
        user.displayName = displayName.trimmedForStorage
        guard !user.displayName.isEmpty else {
            throw .invalid(.displayName, "User \(username) needs a display name; set the name colleagues should see.")
        }
        var seen = Set<String>()
        user.skills = []
        for skill in skills {
            let name = skill.name.trimmedForStorage
            guard !name.isEmpty else {
                throw .invalid(.skills, "User \(username) has a skill without a name; name every skill.")
            }
            guard Skill.levels.contains(skill.level) else {
                throw .invalid(.skills, """
                    Skill "\(name)" of user \(username) has level \(skill.level); use a level \
                    from \(Skill.levels.lowerBound) to \(Skill.levels.upperBound).
                    """)
            }
            guard seen.insert(name).inserted else {
                throw .invalid(.skills, "User \(username) lists skill \"\(name)\" twice; keep one entry per skill.")
            }
            user.skills.append(Skill(name: name, level: skill.level))
        }
        user.skills.sort { $0.name < $1.name }
        return user
    }

    /// RFC 3261 §25.1 `user` = 1*( unreserved / escaped / user-unreserved ), without
    /// escapes: percent-encoded extensions only cause confusion on phone keypads.
    private static func isSIPUserCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": true
        case "-", "_", ".", "!", "~", "*", "'", "(", ")": true  // mark
        case "&", "=", "+", "$", ",", ";", "?", "/": true       // user-unreserved
        default: false
        }
    }
}

extension Customer {
    /// This customer as it would be stored: blank names become nil, numbers, accounts and
    /// tags are trimmed. Throws `.invalid` naming the first offending field.
    public func validatedForStorage() throws(StorageError) -> Customer {
        var customer = self
        try requireIdentifier(id.rawValue, of: "customer")
        customer.nameZh = nameZh.map(\.trimmedForStorage).flatMap { $0.isEmpty ? nil : $0 }
        customer.nameEn = nameEn.map(\.trimmedForStorage).flatMap { $0.isEmpty ? nil : $0 }

        var seenDigits = [PhoneDigits: String]()
        customer.phoneNumbers = []
        for number in phoneNumbers {
            let number = number.trimmedForStorage
            let digits = PhoneDigits(number)
            guard !digits.isEmpty, digits.digits.count <= 32 else {
                throw .invalid(.phoneNumber, """
                    Phone number "\(number)" of customer \(id) must contain 1 to 32 digits; \
                    enter it in international form, e.g. +86 138 0013 8000.
                    """)
            }
            if let earlier = seenDigits[digits] {
                throw .invalid(.phoneNumber, """
                    Customer \(id) lists "\(earlier)" and "\(number)", which are the same \
                    number; keep one of them.
                    """)
            }
            seenDigits[digits] = number
            customer.phoneNumbers.append(number)
        }

        customer.accountNumbers = accountNumbers.map(\.trimmedForStorage)
        guard !customer.accountNumbers.contains(where: \.isEmpty) else {
            throw .invalid(.accountNumber, "Customer \(id) has an empty account number; remove it or fill it in.")
        }
        guard Set(customer.accountNumbers).count == customer.accountNumbers.count else {
            throw .invalid(.accountNumber, "Customer \(id) lists an account number twice; keep one entry per account.")
        }

        customer.tags = Set(tags.map(\.trimmedForStorage))
        guard !customer.tags.contains("") else {
            throw .invalid(.tags, "Customer \(id) has an empty tag; remove it.")
        }
        return customer
    }

    /// The lower-cased Chinese and English names, which backends store and match
    /// `CustomerNameSearch.likePattern` against. Lower-casing here (not with SQL `LOWER`)
    /// makes matching identical in SQLite, whose `LOWER` only knows ASCII, and PostgreSQL.
    public var nameSearchKey: String {
        // U+001F (unit separator) cannot occur in a search, so no match spans both names.
        [nameZh ?? "", nameEn ?? ""].map { $0.lowercased() }.joined(separator: "\u{1F}")
    }
}

/// Turns a user's name search into a portable SQL `LIKE` pattern.
public enum CustomerNameSearch {
    /// Character to declare with `LIKE ? ESCAPE '\'` (SQLite and PostgreSQL both accept it).
    public static let escapeCharacter: Character = "\\"

    /// `%query%`, lower-cased, with `%`, `_` and the escape character escaped so a search
    /// for "100%" means the literal text. Throws `.invalid` for a blank query.
    public static func likePattern(for query: String) throws(StorageError) -> String {
        let query = query.trimmedForStorage.lowercased()
        guard !query.isEmpty, !query.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            throw .invalid(.name, "Type part of a customer's name to search for.")
        }
        var pattern = "%"
        for character in query {
            if character == "%" || character == "_" || character == escapeCharacter {
                pattern.append(escapeCharacter)
            }
            pattern.append(character)
        }
        return pattern + "%"
    }
}

extension SIPCredential {
    /// This credential as stored: HA1 hex in lower case. Throws `.invalid` for an empty
    /// username or realm, or an HA1 that is not hex of the right length.
    public func validatedForStorage() throws(StorageError) -> SIPCredential {
        var credential = self
        guard !username.isEmpty else {
            throw .invalid(.sipUsername, "A SIP credential needs the user's username (the extension).")
        }
        guard !realm.isEmpty else {
            throw .invalid(.realm, "SIP credential for \(username) needs a realm; use the SIP domain, e.g. \"hotline.local\".")
        }
        credential.ha1MD5 = ha1MD5.lowercased()
        credential.ha1SHA256 = ha1SHA256.lowercased()
        for (value, length, algorithm) in [(credential.ha1MD5, 32, "MD5"), (credential.ha1SHA256, 64, "SHA-256")] {
            guard value.count == length, value.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else {
                throw .invalid(.ha1, """
                    The \(algorithm) HA1 for \(username)@\(realm) must be \(length) hex digits; \
                    compute it as \(algorithm)("username:realm:password"), never store the password.
                    """)
            }
        }
        return credential
    }
}

extension PageRequest {
    /// Throws `.invalid` when `limit` is outside 1...`maximumLimit`.
    public func validated() throws(StorageError) -> PageRequest {
        try Self.validateLimit(limit)
        return self
    }

    /// The limit rule shared by paged lists and searches.
    public static func validateLimit(_ limit: Int) throws(StorageError) {
        guard (1...maximumLimit).contains(limit) else {
            throw .invalid(.paging, "Ask for 1 to \(maximumLimit) items at a time (asked for \(limit)).")
        }
    }
}

private func requireIdentifier(_ value: String, of kind: String) throws(StorageError) {
    guard !value.isEmpty, value.count <= 128,
          !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == " " })
    else {
        throw .invalid(.id, "A \(kind) id must be 1 to 128 characters without spaces; generate one, e.g. a UUID.")
    }
}

extension String {
    /// Without leading and trailing whitespace (the stdlib has no `trimmingCharacters`
    /// without Foundation).
    var trimmedForStorage: String {
        guard let first = firstIndex(where: { !$0.isWhitespace }),
              let last = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[first...last])
    }
}
