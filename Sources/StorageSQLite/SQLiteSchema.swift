import GRDB
import Storage

/// The schema, as an append-only list of named migrations.
///
/// Never edit or reorder a migration once it has shipped: databases in the field have
/// already run it. Change the schema by appending a new one (`v2-...`). GRDB records the
/// applied names in `grdb_migrations`, so opening an up-to-date database runs nothing.
///
/// Invariants live here, not only in Swift, so no writer (a script, a future node) can
/// break them: NOT NULL everywhere, UNIQUE usernames and phone digits, CHECKs for every
/// enumeration and range, and foreign keys with ON DELETE CASCADE for child rows.
/// Types are plain TEXT and INTEGER (times in ms since the epoch, booleans 0/1) so the
/// PostgreSQL backend's migrations read the same.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-users") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id           TEXT    NOT NULL PRIMARY KEY,
                    username     TEXT    NOT NULL UNIQUE,
                    display_name TEXT    NOT NULL,
                    language     TEXT    NOT NULL CHECK (language IN ('zh-CN', 'en-US')),
                    active       INTEGER NOT NULL CHECK (active IN (0, 1))
                );
                CREATE TABLE user_roles (
                    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    role    TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
                    PRIMARY KEY (user_id, role)
                );
                CREATE TABLE user_skills (
                    user_id TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    name    TEXT    NOT NULL CHECK (name <> ''),
                    level   INTEGER NOT NULL CHECK (level BETWEEN 1 AND 10),
                    PRIMARY KEY (user_id, name)
                );
                -- Routing asks "who has billing at level 5 or more?".
                CREATE INDEX user_skills_by_name ON user_skills (name, level);
                """)
        }

        migrator.registerMigration("v1-sip-credentials") { db in
            // HA1 digests only (RFC 7616 §3.4.2), never passwords. One credential per user
            // and realm; the (username, realm) key is what REGISTER looks up.
            try db.execute(sql: """
                CREATE TABLE sip_credentials (
                    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    realm      TEXT NOT NULL CHECK (realm <> ''),
                    username   TEXT NOT NULL,
                    ha1_md5    TEXT NOT NULL CHECK (length(ha1_md5) = 32),
                    ha1_sha256 TEXT NOT NULL CHECK (length(ha1_sha256) = 64),
                    PRIMARY KEY (user_id, realm),
                    UNIQUE (username, realm)
                );
                """)
        }

        migrator.registerMigration("v1-customers") { db in
            // name_key: lower-cased names computed in Swift (see Customer.nameSearchKey),
            // so name search behaves the same on SQLite and PostgreSQL.
            // customer_phones.digits: PhoneDigits, unique, the caller-ID lookup key;
            // number keeps what was entered for display.
            try db.execute(sql: """
                CREATE TABLE customers (
                    id         TEXT    NOT NULL PRIMARY KEY,
                    name_zh    TEXT,
                    name_en    TEXT,
                    name_key   TEXT    NOT NULL,
                    language   TEXT    NOT NULL CHECK (language IN ('zh-CN', 'en-US')),
                    created_at INTEGER NOT NULL
                );
                CREATE INDEX customers_by_creation ON customers (created_at, id);
                CREATE TABLE customer_phones (
                    customer_id TEXT    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                    position    INTEGER NOT NULL CHECK (position >= 0),
                    number      TEXT    NOT NULL,
                    digits      TEXT    NOT NULL UNIQUE CHECK (digits <> ''),
                    PRIMARY KEY (customer_id, position)
                );
                CREATE TABLE customer_accounts (
                    customer_id    TEXT    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                    position       INTEGER NOT NULL CHECK (position >= 0),
                    account_number TEXT    NOT NULL CHECK (account_number <> ''),
                    PRIMARY KEY (customer_id, position),
                    UNIQUE (customer_id, account_number)
                );
                -- The IVR identifies callers by account number.
                CREATE INDEX customer_accounts_by_number ON customer_accounts (account_number);
                CREATE TABLE customer_tags (
                    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                    tag         TEXT NOT NULL CHECK (tag <> ''),
                    PRIMARY KEY (customer_id, tag)
                );
                """)
        }

        migrator.registerMigration("v2-interactions") { db in
            // One row per interaction, written at its start and updated as it goes; a row
            // whose state is not 'ended' after a restart was cut short (see recovery).
            // agent_id: an agent is a user with the agent role (AgentID carries the UserID).
            // recordings.pauses: JSON [[start_ms, end_ms], ...] from the recording's start.
            try db.execute(sql: """
                CREATE TABLE interactions (
                    id           TEXT    NOT NULL PRIMARY KEY,
                    channel      TEXT    NOT NULL CHECK (channel IN ('call', 'chat', 'sms', 'email')),
                    direction    TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
                    from_address TEXT    NOT NULL,
                    to_address   TEXT    NOT NULL,
                    state        TEXT    NOT NULL CHECK (state IN ('initiated', 'ivr', 'queued', 'offered', 'connected', 'ended')),
                    customer_id  TEXT    REFERENCES customers (id) ON DELETE SET NULL,
                    agent_id     TEXT    REFERENCES users (id) ON DELETE SET NULL,
                    sip_call_id  TEXT,
                    started_at   INTEGER NOT NULL,
                    ended_at     INTEGER,
                    end_reason   TEXT,
                    CHECK ((state = 'ended') = (ended_at IS NOT NULL)),
                    CHECK (ended_at IS NULL OR ended_at >= started_at)
                );
                CREATE INDEX interactions_by_start ON interactions (started_at, id);
                CREATE INDEX interactions_by_sip_call ON interactions (sip_call_id);
                CREATE INDEX interactions_unfinished ON interactions (state) WHERE state <> 'ended';
                CREATE TABLE recordings (
                    id             TEXT    NOT NULL PRIMARY KEY,
                    interaction_id TEXT    NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
                    path           TEXT    NOT NULL UNIQUE CHECK (path <> ''),
                    layout         TEXT    NOT NULL CHECK (layout IN ('mono', 'stereo')),
                    status         TEXT    NOT NULL CHECK (status IN ('recording', 'complete', 'incomplete', 'interrupted')),
                    started_at     INTEGER NOT NULL,
                    duration_ms    INTEGER NOT NULL CHECK (duration_ms >= 0),
                    bytes          INTEGER NOT NULL CHECK (bytes >= 0),
                    pauses         TEXT    NOT NULL,
                    error          TEXT
                );
                CREATE INDEX recordings_by_interaction ON recordings (interaction_id, started_at);
                CREATE INDEX recordings_by_status ON recordings (status, started_at);
                """)
        }

        return migrator
    }

    /// Applies pending migrations, refusing a database that a newer Hotline has migrated
    /// further than this build knows: running old code on a newer schema loses data.
    static func migrate(_ writer: any DatabaseWriter, path: String) throws {
        let migrator = migrator
        do {
            let superseded = try writer.read { db in try migrator.hasBeenSuperseded(db) }
            guard !superseded else {
                throw StorageError.backend("""
                    The database \(path) was upgraded by a newer version of Hotline; run that \
                    version, or restore a backup made with this one.
                    """)
            }
            try migrator.migrate(writer)
        } catch {
            throw SQLiteErrorMapping.storageError(for: error, action: "migrate the database \(path)")
        }
    }
}
