import HotlineModel
import SIPDialog
import Storage

/// Who may use the HTTP API, and how their password is checked: until the web login of
/// issue #6, a user signs in with HTTP Basic and their **SIP password**, verified against
/// the HA1 digests the store keeps (it never has the password itself).
///
/// Loaded once at start-up, like the registrar's credentials: a user added or a password
/// changed later needs a restart to reach the API.
public struct APIUsers: Sendable {
    public struct Account: Sendable, Hashable {
        /// `H(username:realm:password)` in MD5 and SHA-256 (either may be missing).
        public var ha1: DigestHA1
        public var roles: Set<Role>

        public init(ha1: DigestHA1, roles: Set<Role>) {
            self.ha1 = ha1
            self.roles = roles
        }
    }

    /// The digest realm the HA1s were computed in (the SIP domain).
    public var realm: String
    /// Username (the SIP extension) → account.
    public var accounts: [String: Account]

    public init(realm: String, accounts: [String: Account]) {
        self.realm = realm
        self.accounts = accounts
    }

    /// Every active user with a SIP credential in `realm`, as
    /// `HotlineApplication.loadCredentials` reads them for the registrar.
    public static func load(store: some UserStore, realm: String) async throws -> APIUsers {
        var accounts: [String: Account] = [:]
        for user in try await store.users() where user.isActive {
            if let c = try await store.sipCredential(username: user.username, realm: realm) {
                accounts[user.username] = Account(ha1: DigestHA1(md5: c.ha1MD5, sha256: c.ha1SHA256), roles: user.roles)
            }
        }
        return APIUsers(realm: realm, accounts: accounts)
    }

    /// The account named `username` when `password` is its SIP password. Compares the
    /// SHA-256 HA1 when one is stored, else the MD5 one, in constant time; an unknown
    /// user costs the same hashing, so timing does not tell which usernames exist.
    func verify(username: String, password: String) -> Account? {
        let computed = DigestHA1(username: username, realm: realm, password: password)
        guard let account = accounts[username] else { return nil }
        if let stored = account.ha1.sha256, !stored.isEmpty {
            return DigestHex.equalInConstantTime(expectedHex: stored, providedHex: computed.sha256 ?? "") ? account : nil
        }
        if let stored = account.ha1.md5, !stored.isEmpty {
            return DigestHex.equalInConstantTime(expectedHex: stored, providedHex: computed.md5 ?? "") ? account : nil
        }
        return nil
    }

}

/// The signed-in user of one request.
public struct APIPrincipal: Sendable, Hashable {
    public var username: String
    public var roles: Set<Role>

    public init(username: String, roles: Set<Role>) {
        self.username = username
        self.roles = roles
    }

    /// Agent ids are SIP usernames.
    public var agentID: AgentID { AgentID(rawValue: username) }

    /// Supervisors and admins read every agent and act on any of them (a forced logout
    /// included); everybody else only on their own agent.
    public var supervises: Bool { roles.contains(.supervisor) || roles.contains(.admin) }

    public func mayAct(on agent: AgentID) -> Bool { supervises || agent == agentID }
}
