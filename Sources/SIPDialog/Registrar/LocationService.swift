import SIPTransaction

/// The registrar's location service (RFC 3261 §10.3): for each address-of-record, the
/// contacts it can be reached at and until when.
///
/// A pure value type. A REGISTER applies to a copy and the copy replaces the original only
/// when every contact succeeded: RFC 3261 §10.3 step 7 requires all-or-nothing commits, and
/// value semantics give that for free (``update(aor:contacts:callID:cseq:now:)`` does it).
///
/// Keys are strings the caller has already canonicalised: the AOR (e.g.
/// `sip:1001@hotline.local`, §10.3 step 5) and each contact URI (compared with §19.1.4
/// rules before they get here). Times are nanoseconds since any fixed epoch.
///
/// Not handled here: Min-Expires (423, step 6) and Expires defaults, which the registrar
/// applies before calling; RFC 5626 outbound flows (`instance` is stored, not matched on).
public struct LocationService: Sendable {
    /// Default cap on contacts per AOR.
    public static let defaultMaximumContactsPerAOR = 10

    /// One contact bound to an AOR.
    public struct Binding: Sendable, Hashable {
        /// Canonical contact URI: the binding's identity within its AOR.
        public var contactURI: String
        public var expiresAt: Int64
        /// Call-ID and CSeq of the REGISTER that last wrote the binding (§10.3 step 7).
        public var callID: String
        public var cseq: UInt32
        /// Contact `q` parameter, 0…1; nil when absent (sorted as 1.0).
        public var q: Double?
        /// `+sip.instance` (RFC 5626 §4.1), if the UA sent one.
        public var instance: String?
        /// Where the REGISTER came from, e.g. `udp:192.0.2.7:5060`, to reach a UA behind NAT.
        public var source: String
        /// When the binding was last written; newer first among equal `q`.
        public var updatedAt: Int64

        public init(
            contactURI: String, expiresAt: Int64, callID: String, cseq: UInt32, q: Double? = nil,
            instance: String? = nil, source: String = "", updatedAt: Int64
        ) {
            self.contactURI = contactURI
            self.expiresAt = expiresAt
            self.callID = callID
            self.cseq = cseq
            self.q = q
            self.instance = instance
            self.source = source
            self.updatedAt = updatedAt
        }

        /// Seconds left, rounded up, for the `expires` parameter of a 200 OK Contact (§10.3 step 8).
        public func remainingSeconds(now: Int64) -> UInt32 {
            guard expiresAt > now else { return 0 }
            let remaining = expiresAt - now
            let seconds = remaining / 1_000_000_000 + (remaining % 1_000_000_000 == 0 ? 0 : 1)
            return UInt32(clamping: seconds)
        }
    }

    /// One contact of a REGISTER, for ``update(aor:contacts:callID:cseq:now:)``.
    public struct ContactUpdate: Sendable, Hashable {
        public var contactURI: String
        /// Delta-seconds from the Contact `expires` parameter or the Expires header; 0 removes.
        public var expires: UInt32
        public var q: Double?
        public var instance: String?
        public var source: String

        public init(
            contactURI: String, expires: UInt32, q: Double? = nil, instance: String? = nil, source: String = ""
        ) {
            self.contactURI = contactURI
            self.expires = expires
            self.q = q
            self.instance = instance
            self.source = source
        }
    }

    /// What one contact update did.
    public enum Change: Sendable, Hashable {
        case added(Binding)
        case refreshed(Binding)
        case removed(Binding)
        /// `expires` was 0 for a contact that had no binding.
        case unchanged
    }

    public let maximumContactsPerAOR: Int
    private var bindingsByAOR: [String: [Binding]] = [:]

    public init(maximumContactsPerAOR: Int = LocationService.defaultMaximumContactsPerAOR) {
        self.maximumContactsPerAOR = max(1, maximumContactsPerAOR)
    }

    /// Adds, refreshes or removes one contact (RFC 3261 §10.3 step 7).
    ///
    /// For an existing binding of the same contact URI: a different Call-ID means a new
    /// registration from a restarted UA, so it replaces the binding; the same Call-ID needs
    /// a higher CSeq, else the request is out of order.
    ///
    /// - Throws: ``LocationServiceError`` `.outOfOrder` (→ 500) or `.tooManyContacts`
    ///   (→ 403). Nothing changes when it throws.
    @discardableResult
    public mutating func update(
        aor: String, contact: String, expires: UInt32, callID: String, cseq: UInt32, q: Double? = nil,
        instance: String? = nil, source: String = "", now: Int64
    ) throws(LocationServiceError) -> Change {
        var bindings = (bindingsByAOR[aor] ?? []).filter { $0.expiresAt > now }
        let existing = bindings.firstIndex { $0.contactURI == contact }
        if let existing, bindings[existing].callID == callID, cseq <= bindings[existing].cseq {
            throw LocationServiceError(
                code: .outOfOrder, aor: aor, contactURI: contact,
                detail: "CSeq \(cseq) is not above \(bindings[existing].cseq) for Call-ID \(callID)")
        }
        let change: Change
        if expires == 0 {
            guard let existing else { return .unchanged }
            change = .removed(bindings.remove(at: existing))
        } else {
            let binding = Binding(
                contactURI: contact, expiresAt: Self.adding(seconds: expires, to: now), callID: callID, cseq: cseq,
                q: q, instance: instance, source: source, updatedAt: now)
            if let existing {
                bindings[existing] = binding
                change = .refreshed(binding)
            } else {
                guard bindings.count < maximumContactsPerAOR else {
                    throw LocationServiceError(
                        code: .tooManyContacts, aor: aor, contactURI: contact,
                        detail: "the AOR already has \(bindings.count) contacts, the maximum")
                }
                bindings.append(binding)
                change = .added(binding)
            }
        }
        bindingsByAOR[aor] = bindings.isEmpty ? nil : bindings
        return change
    }

    /// Applies every contact of one REGISTER, or none of them (RFC 3261 §10.3 step 7).
    ///
    /// - Throws: the first contact's ``LocationServiceError``; nothing changes then.
    @discardableResult
    public mutating func update(aor: String, contacts: [ContactUpdate], callID: String, cseq: UInt32, now: Int64)
        throws(LocationServiceError) -> [Change]
    {
        var copy = self
        var changes: [Change] = []
        for contact in contacts {
            changes.append(
                try copy.update(
                    aor: aor, contact: contact.contactURI, expires: contact.expires, callID: callID, cseq: cseq,
                    q: contact.q, instance: contact.instance, source: contact.source, now: now))
        }
        self = copy
        return changes
    }

    /// Removes one binding unconditionally (administrative unregister); returns it, if any.
    @discardableResult
    public mutating func remove(aor: String, contact: String) -> Binding? {
        guard var bindings = bindingsByAOR[aor], let index = bindings.firstIndex(where: { $0.contactURI == contact })
        else { return nil }
        let removed = bindings.remove(at: index)
        bindingsByAOR[aor] = bindings.isEmpty ? nil : bindings
        return removed
    }

    /// `Contact: *` with `Expires: 0` (RFC 3261 §10.3 step 6): removes every binding of the
    /// AOR, unless one was written by the same Call-ID with a CSeq not below `cseq`.
    ///
    /// - Returns: the removed bindings.
    /// - Throws: ``LocationServiceError`` `.outOfOrder`; nothing is removed then.
    @discardableResult
    public mutating func removeAll(aor: String, callID: String, cseq: UInt32) throws(LocationServiceError)
        -> [Binding]
    {
        let bindings = bindingsByAOR[aor] ?? []
        if let blocking = bindings.first(where: { $0.callID == callID && cseq <= $0.cseq }) {
            throw LocationServiceError(
                code: .outOfOrder, aor: aor, contactURI: blocking.contactURI,
                detail: "CSeq \(cseq) is not above \(blocking.cseq) for Call-ID \(callID)")
        }
        bindingsByAOR[aor] = nil
        return bindings
    }

    /// The unexpired bindings of an AOR, highest `q` first (absent `q` counts as 1.0), then
    /// most recently updated, then by contact URI.
    public func bindings(aor: String, now: Int64) -> [Binding] {
        (bindingsByAOR[aor] ?? []).filter { $0.expiresAt > now }.sorted { left, right in
            let (leftQ, rightQ) = (left.q ?? 1.0, right.q ?? 1.0)
            if leftQ != rightQ { return leftQ > rightQ }
            if left.updatedAt != right.updatedAt { return left.updatedAt > right.updatedAt }
            return left.contactURI < right.contactURI
        }
    }

    /// Drops expired bindings; returns them by AOR (e.g. to report phones going offline).
    @discardableResult
    public mutating func expire(now: Int64) -> [String: [Binding]] {
        var expired: [String: [Binding]] = [:]
        for (aor, bindings) in bindingsByAOR {
            let gone = bindings.filter { $0.expiresAt <= now }
            guard !gone.isEmpty else { continue }
            expired[aor] = gone
            let kept = bindings.filter { $0.expiresAt > now }
            bindingsByAOR[aor] = kept.isEmpty ? nil : kept
        }
        return expired
    }

    /// The earliest `expiresAt` of any binding: when to call ``expire(now:)`` next.
    public var nextExpiry: Int64? {
        bindingsByAOR.values.lazy.flatMap { $0 }.map(\.expiresAt).min()
    }

    /// AORs with at least one stored binding (expired ones included until ``expire(now:)``).
    public var addressesOfRecord: [String] {
        bindingsByAOR.keys.sorted()
    }

    private static func adding(seconds: UInt32, to now: Int64) -> Int64 {
        let (sum, overflow) = now.addingReportingOverflow(Int64(seconds) * 1_000_000_000)
        return overflow ? .max : sum
    }
}

/// Why the location service refused an update; the registrar answers with
/// ``suggestedStatusCode``.
public struct LocationServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Same Call-ID, CSeq not higher than the stored one (RFC 3261 §10.3 steps 6–7): 500.
        public static let outOfOrder = Code("outOfOrder")
        /// The AOR already has ``LocationService/maximumContactsPerAOR`` contacts: 403.
        public static let tooManyContacts = Code("tooManyContacts")
    }

    public var code: Code
    public var aor: String
    public var contactURI: String
    public var detail: String

    public init(code: Code, aor: String, contactURI: String, detail: String) {
        self.code = code
        self.aor = aor
        self.contactURI = contactURI
        self.detail = detail
    }

    /// The SIP status for the REGISTER response.
    public var suggestedStatusCode: Int {
        switch code {
        case .tooManyContacts: return 403
        default: return 500
        }
    }

    public var description: String {
        switch code {
        case .tooManyContacts:
            return "\(code) for \(aor), contact \(contactURI): \(detail); "
                + "unregister an old device or raise the per-AOR contact limit"
        default:
            return "\(code) for \(aor), contact \(contactURI): \(detail); "
                + "the UA must send a new REGISTER with a higher CSeq"
        }
    }
}

extension LocationService.Binding {
    /// How ``source`` writes the address a REGISTER came from: `udp:192.0.2.7:5060`
    /// (an IPv6 host unbracketed; no connection id).
    public static func source(of peer: SIPPeer) -> String {
        "\(peer.transport.rawValue):\(peer.host):\(peer.port)"
    }

    /// ``source`` as a peer to send to (a phone behind NAT is reached where it registered
    /// from); nil when it is empty or not in the form ``source(of:)`` writes.
    public var sourcePeer: SIPPeer? {
        guard let first = source.firstIndex(of: ":"), let last = source.lastIndex(of: ":"), first < last,
              let transport = SIPTransportKind(rawValue: String(source[..<first])),
              let port = Int(source[source.index(after: last)...]) else { return nil }
        return SIPPeer(transport: transport, host: String(source[source.index(after: first)..<last]), port: port)
    }
}

