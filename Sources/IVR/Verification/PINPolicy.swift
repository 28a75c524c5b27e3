import HotlineModel

/// How many wrong PINs a caller may enter and how long an account then stays locked
/// (the IVR's identity check). Pure: the store keeps each account's ``PINAttempts``, the
/// adapter asks the policy what an attempt means, with `now`.
public struct PINPolicy: Hashable, Sendable {
    /// Wrong PINs in a row that lock the account (the third by default).
    public var maximumFailures: Int
    /// How long a lock lasts.
    public var lockoutMilliseconds: Int64

    public init(maximumFailures: Int = 3, lockoutMilliseconds: Int64 = 30 * 60_000) {
        precondition(maximumFailures >= 1, "at least one try")
        self.maximumFailures = maximumFailures
        self.lockoutMilliseconds = lockoutMilliseconds
    }

    /// What an attempt came to.
    public enum Decision: Hashable, Sendable {
        case verified
        /// Wrong, and this many tries are left before the lock.
        case wrongPIN(triesLeft: Int)
        /// Locked now (by this attempt or an earlier one) until the given time; the PIN
        /// was not even checked when the lock was already on.
        case locked(until: Timestamp)
    }

    /// Whether a PIN may be checked now.
    public func lockedUntil(_ attempts: PINAttempts, now: Timestamp) -> Timestamp? {
        guard let until = attempts.lockedUntil, now < until else { return nil }
        return until
    }

    /// The outcome of one attempt whose PIN `matched` (ignored while locked) and the
    /// account's attempts afterwards. A lock that has run out starts the count afresh; a
    /// right PIN clears it.
    public func attempt(matched: Bool, _ attempts: PINAttempts, now: Timestamp) -> (Decision, PINAttempts) {
        if let until = lockedUntil(attempts, now: now) { return (.locked(until: until), attempts) }
        var next = attempts
        if next.lockedUntil != nil {  // an expired lock
            next = PINAttempts()
        }
        if matched { return (.verified, PINAttempts()) }
        next.failures += 1
        next.lastFailure = now
        if next.failures >= maximumFailures {
            let until = now.adding(milliseconds: lockoutMilliseconds)
            next.lockedUntil = until
            return (.locked(until: until), next)
        }
        return (.wrongPIN(triesLeft: maximumFailures - next.failures), next)
    }
}

/// One account's PIN attempts, as stored.
public struct PINAttempts: Hashable, Sendable {
    /// Wrong PINs in a row.
    public var failures: Int
    public var lastFailure: Timestamp?
    public var lockedUntil: Timestamp?

    public init(failures: Int = 0, lastFailure: Timestamp? = nil, lockedUntil: Timestamp? = nil) {
        self.failures = failures
        self.lastFailure = lastFailure
        self.lockedUntil = lockedUntil
    }
}
