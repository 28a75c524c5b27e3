import GRDB
import Storage

/// The schema, as an append-only list of named migrations.
///
/// Never edit or reorder a migration once it has shipped: databases in the field have
/// already run it. Change the schema by appending a new one (`v4-...`). GRDB records the
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

        migrator.registerMigration("v3-self-service") { db in
            // What callers serve themselves with (SelfServiceStore). Numbers are TEXT of
            // digits (leading zeros matter; the IVR says them digit by digit), money is
            // <name>_minor INTEGER + <name>_currency TEXT, dates are 'YYYY-MM-DD' and months
            // 'YYYY-MM' text. The shape checks use ltrim(x, '0123456789') = '' ("only
            // digits") rather than GLOB, which PostgreSQL lacks.
            //
            // Reference data hangs off customers and goes with them (ON DELETE CASCADE, down
            // to bills, transactions, parcels, returns and PINs). What the IVR wrote about a
            // call (tickets, callbacks) outlives the customer and the interaction: their
            // references become NULL. Voicemail, IVR steps and summaries belong to their
            // interaction and go with it.
            //
            // pins: one row per subject (kind, key); exactly one of customer_id,
            // account_number, card_number repeats the key so the subject must exist and the
            // PIN is deleted with it.
            //
            // Ticket and return numbers are allocated by the store as MAX + 1 inside the
            // inserting transaction (tickets from 10000001, returns from 50000001); the
            // primary key backs that up. Always 8 digits, so text order is number order and
            // MAX(number) is one index probe.
            try db.execute(sql: """
                CREATE TABLE service_accounts (
                    number           TEXT    NOT NULL PRIMARY KEY
                                     CHECK (length(number) BETWEEN 6 AND 19 AND ltrim(number, '0123456789') = ''),
                    customer_id      TEXT    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                    kind             TEXT    NOT NULL CHECK (kind IN ('telecom', 'bank')),
                    plan_zh          TEXT    NOT NULL CHECK (plan_zh <> ''),
                    plan_en          TEXT    NOT NULL CHECK (plan_en <> ''),
                    balance_minor    INTEGER NOT NULL,
                    balance_currency TEXT    NOT NULL
                                     CHECK (length(balance_currency) = 3 AND ltrim(balance_currency, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') = ''),
                    opened_at        INTEGER NOT NULL
                );
                CREATE INDEX service_accounts_by_customer ON service_accounts (customer_id, kind, opened_at, number);

                CREATE TABLE bills (
                    id              TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
                    account_number  TEXT    NOT NULL REFERENCES service_accounts (number) ON DELETE CASCADE,
                    period          TEXT    NOT NULL
                                    CHECK (length(period) = 7 AND substr(period, 5, 1) = '-'
                                           AND ltrim(substr(period, 1, 4) || substr(period, 6, 2), '0123456789') = ''
                                           AND substr(period, 6, 2) BETWEEN '01' AND '12'),
                    amount_minor    INTEGER NOT NULL,
                    amount_currency TEXT    NOT NULL
                                    CHECK (length(amount_currency) = 3 AND ltrim(amount_currency, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') = ''),
                    issued_at       INTEGER NOT NULL,
                    due_date        TEXT    NOT NULL
                                    CHECK (length(due_date) = 10 AND substr(due_date, 5, 1) = '-' AND substr(due_date, 8, 1) = '-'
                                           AND ltrim(substr(due_date, 1, 4) || substr(due_date, 6, 2) || substr(due_date, 9, 2), '0123456789') = ''
                                           AND substr(due_date, 6, 2) BETWEEN '01' AND '12'
                                           AND substr(due_date, 9, 2) BETWEEN '01' AND '31'),
                    paid            INTEGER NOT NULL CHECK (paid IN (0, 1)),
                    -- One bill per account and month; also the index for "newest period first".
                    UNIQUE (account_number, period)
                );

                CREATE TABLE cards (
                    number         TEXT NOT NULL PRIMARY KEY
                                   CHECK (length(number) BETWEEN 16 AND 19 AND ltrim(number, '0123456789') = ''),
                    customer_id    TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                    account_number TEXT NOT NULL REFERENCES service_accounts (number) ON DELETE CASCADE,
                    status         TEXT NOT NULL CHECK (status IN ('active', 'lost', 'blocked', 'expired')),
                    expires        TEXT NOT NULL
                                   CHECK (length(expires) = 7 AND substr(expires, 5, 1) = '-'
                                          AND ltrim(substr(expires, 1, 4) || substr(expires, 6, 2), '0123456789') = ''
                                          AND substr(expires, 6, 2) BETWEEN '01' AND '12')
                );
                CREATE INDEX cards_by_customer ON cards (customer_id, number);
                CREATE INDEX cards_by_account ON cards (account_number);

                CREATE TABLE card_transactions (
                    id              TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
                    card_number     TEXT    NOT NULL REFERENCES cards (number) ON DELETE CASCADE,
                    occurred_at     INTEGER NOT NULL,
                    amount_minor    INTEGER NOT NULL,
                    amount_currency TEXT    NOT NULL
                                    CHECK (length(amount_currency) = 3 AND ltrim(amount_currency, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') = ''),
                    merchant_zh     TEXT    NOT NULL CHECK (merchant_zh <> ''),
                    merchant_en     TEXT    NOT NULL CHECK (merchant_en <> '')
                );
                CREATE INDEX card_transactions_by_card ON card_transactions (card_number, occurred_at, id);

                CREATE TABLE orders (
                    number         TEXT    NOT NULL PRIMARY KEY
                                   CHECK (length(number) BETWEEN 6 AND 20 AND ltrim(number, '0123456789') = ''),
                    customer_id    TEXT    NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
                    placed_at      INTEGER NOT NULL,
                    status         TEXT    NOT NULL
                                   CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled', 'returned')),
                    total_minor    INTEGER NOT NULL,
                    total_currency TEXT    NOT NULL
                                   CHECK (length(total_currency) = 3 AND ltrim(total_currency, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ') = ''),
                    items_zh       TEXT    NOT NULL CHECK (items_zh <> ''),
                    items_en       TEXT    NOT NULL CHECK (items_en <> '')
                );
                CREATE INDEX orders_by_customer ON orders (customer_id, placed_at, number);

                CREATE TABLE parcels (
                    tracking_number    TEXT    NOT NULL PRIMARY KEY CHECK (length(tracking_number) BETWEEN 4 AND 40),
                    order_number       TEXT    NOT NULL REFERENCES orders (number) ON DELETE CASCADE,
                    carrier_zh         TEXT    NOT NULL CHECK (carrier_zh <> ''),
                    carrier_en         TEXT    NOT NULL CHECK (carrier_en <> ''),
                    status             TEXT    NOT NULL
                                       CHECK (status IN ('label_created', 'in_transit', 'out_for_delivery', 'delivered', 'exception')),
                    location_zh        TEXT    NOT NULL CHECK (location_zh <> ''),
                    location_en        TEXT    NOT NULL CHECK (location_en <> ''),
                    estimated_delivery TEXT
                                       CHECK (estimated_delivery IS NULL OR (
                                           length(estimated_delivery) = 10
                                           AND substr(estimated_delivery, 5, 1) = '-' AND substr(estimated_delivery, 8, 1) = '-'
                                           AND ltrim(substr(estimated_delivery, 1, 4) || substr(estimated_delivery, 6, 2)
                                                     || substr(estimated_delivery, 9, 2), '0123456789') = ''
                                           AND substr(estimated_delivery, 6, 2) BETWEEN '01' AND '12'
                                           AND substr(estimated_delivery, 9, 2) BETWEEN '01' AND '31')),
                    updated_at         INTEGER NOT NULL
                );
                CREATE INDEX parcels_by_order ON parcels (order_number, tracking_number);

                CREATE TABLE tickets (
                    number         TEXT    NOT NULL PRIMARY KEY
                                   CHECK (length(number) = 8 AND ltrim(number, '0123456789') = ''),
                    customer_id    TEXT    REFERENCES customers (id) ON DELETE SET NULL,
                    interaction_id TEXT    REFERENCES interactions (id) ON DELETE SET NULL,
                    category       TEXT    NOT NULL CHECK (category <> ''),
                    kind           TEXT    NOT NULL CHECK (kind <> ''),
                    status         TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
                    created_at     INTEGER NOT NULL,
                    summary        TEXT    NOT NULL
                );
                CREATE INDEX tickets_by_customer ON tickets (customer_id, created_at, number);
                CREATE INDEX tickets_by_interaction ON tickets (interaction_id);

                CREATE TABLE return_requests (
                    number         TEXT    NOT NULL PRIMARY KEY
                                   CHECK (length(number) = 8 AND ltrim(number, '0123456789') = ''),
                    order_number   TEXT    NOT NULL REFERENCES orders (number) ON DELETE CASCADE,
                    customer_id    TEXT    REFERENCES customers (id) ON DELETE SET NULL,
                    interaction_id TEXT    REFERENCES interactions (id) ON DELETE SET NULL,
                    reason         TEXT    NOT NULL CHECK (reason <> ''),
                    status         TEXT    NOT NULL CHECK (status IN ('requested', 'approved', 'received', 'refunded', 'rejected')),
                    created_at     INTEGER NOT NULL
                );
                CREATE INDEX return_requests_by_order ON return_requests (order_number);
                CREATE INDEX return_requests_by_customer ON return_requests (customer_id);
                CREATE INDEX return_requests_by_interaction ON return_requests (interaction_id);

                CREATE TABLE voicemails (
                    id             TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
                    interaction_id TEXT    NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
                    from_address   TEXT    NOT NULL,
                    to_address     TEXT    NOT NULL,
                    path           TEXT    NOT NULL CHECK (path <> ''),
                    duration_ms    INTEGER NOT NULL CHECK (duration_ms >= 0),
                    created_at     INTEGER NOT NULL,
                    heard          INTEGER NOT NULL CHECK (heard IN (0, 1))
                );
                CREATE INDEX voicemails_by_interaction ON voicemails (interaction_id, created_at, id);

                CREATE TABLE callback_requests (
                    id             TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
                    interaction_id TEXT    REFERENCES interactions (id) ON DELETE SET NULL,
                    number         TEXT    NOT NULL CHECK (number <> ''),
                    preferred_time TEXT,
                    queue          TEXT,
                    status         TEXT    NOT NULL CHECK (status IN ('pending', 'done', 'failed', 'cancelled')),
                    created_at     INTEGER NOT NULL
                );
                CREATE INDEX callback_requests_by_status ON callback_requests (status, created_at, id);
                CREATE INDEX callback_requests_by_interaction ON callback_requests (interaction_id);

                CREATE TABLE pins (
                    subject_kind   TEXT    NOT NULL CHECK (subject_kind IN ('customer', 'account', 'card')),
                    subject_key    TEXT    NOT NULL,
                    customer_id    TEXT    REFERENCES customers (id) ON DELETE CASCADE,
                    account_number TEXT    REFERENCES service_accounts (number) ON DELETE CASCADE,
                    card_number    TEXT    REFERENCES cards (number) ON DELETE CASCADE,
                    hash           TEXT    NOT NULL CHECK (hash <> ''),
                    failures       INTEGER NOT NULL CHECK (failures >= 0),
                    last_failure   INTEGER,
                    locked_until   INTEGER,
                    PRIMARY KEY (subject_kind, subject_key),
                    -- IS NOT NULL spelled out: a comparison with NULL would pass a CHECK.
                    CHECK ((subject_kind = 'customer' AND customer_id IS NOT NULL AND customer_id = subject_key
                            AND account_number IS NULL AND card_number IS NULL)
                        OR (subject_kind = 'account' AND account_number IS NOT NULL AND account_number = subject_key
                            AND customer_id IS NULL AND card_number IS NULL)
                        OR (subject_kind = 'card' AND card_number IS NOT NULL AND card_number = subject_key
                            AND customer_id IS NULL AND account_number IS NULL))
                );
                CREATE INDEX pins_by_customer ON pins (customer_id);
                CREATE INDEX pins_by_account ON pins (account_number);
                CREATE INDEX pins_by_card ON pins (card_number);

                CREATE TABLE ivr_steps (
                    interaction_id TEXT    NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
                    position       INTEGER NOT NULL CHECK (position >= 0),
                    flow           TEXT    NOT NULL CHECK (flow <> ''),
                    node           TEXT    NOT NULL CHECK (node <> ''),
                    kind           TEXT    NOT NULL CHECK (kind <> ''),
                    input          TEXT,
                    outcome        TEXT    NOT NULL CHECK (outcome <> ''),
                    started_at     INTEGER NOT NULL,
                    duration_ms    INTEGER NOT NULL CHECK (duration_ms >= 0),
                    PRIMARY KEY (interaction_id, position)
                );

                -- transfer_*: all NULL (no transfer) or queue, skills (JSON array of
                -- strings), priority and requested_at set; the reason is optional.
                CREATE TABLE ivr_summaries (
                    interaction_id        TEXT    NOT NULL PRIMARY KEY REFERENCES interactions (id) ON DELETE CASCADE,
                    flow                  TEXT    NOT NULL CHECK (flow <> ''),
                    flow_version          INTEGER NOT NULL CHECK (flow_version >= 0),
                    language              TEXT    NOT NULL CHECK (language IN ('zh-CN', 'en-US')),
                    outcome               TEXT,
                    verification          TEXT,
                    verification_method   TEXT,
                    variables_json        TEXT    NOT NULL CHECK (variables_json LIKE '{%}'),
                    transfer_queue        TEXT    CHECK (transfer_queue <> ''),
                    transfer_skills       TEXT    CHECK (transfer_skills LIKE '[%]'),
                    transfer_priority     INTEGER CHECK (transfer_priority BETWEEN 1 AND 10),
                    transfer_reason       TEXT,
                    transfer_requested_at INTEGER,
                    started_at            INTEGER NOT NULL,
                    ended_at              INTEGER CHECK (ended_at >= started_at),
                    CHECK ((transfer_queue IS NULL AND transfer_skills IS NULL AND transfer_priority IS NULL
                            AND transfer_reason IS NULL AND transfer_requested_at IS NULL)
                        OR (transfer_queue IS NOT NULL AND transfer_skills IS NOT NULL AND transfer_priority IS NOT NULL
                            AND transfer_requested_at IS NOT NULL))
                );
                -- Routing polls "which transfers are owed?", oldest request first.
                CREATE INDEX ivr_summaries_transfers ON ivr_summaries (transfer_requested_at, interaction_id)
                    WHERE transfer_queue IS NOT NULL;
                """)
        }

        migrator.registerMigration("v4-routing") { db in
            // Routing's records (RoutingStore).
            //
            // agent_state_changes: each agent's history, numbered by the ACD (sequence);
            // it goes with the user. reason is set exactly for not-ready, interaction_id
            // exactly for reserved, on-call and wrap-up (no foreign key: the history keeps
            // the id whatever becomes of the interaction).
            //
            // call_records: one per interaction, replaced whole as the call progresses (so
            // call_segments and call_transfers are deleted and written again with it);
            // outcome NULL while the call is up, which is what recovery lists. ivr_path and
            // queues are JSON arrays of strings. queue is the last of queues and what the
            // list filters on. Agents in segments and transfers are ids without foreign
            // keys: a record outlives the agent's account.
            try db.execute(sql: """
                CREATE TABLE agent_state_changes (
                    agent_id       TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                    sequence       INTEGER NOT NULL CHECK (sequence >= 0),
                    from_state     TEXT    NOT NULL
                                   CHECK (from_state IN ('logged-out', 'available', 'reserved', 'on-call', 'wrap-up', 'not-ready')),
                    to_state       TEXT    NOT NULL
                                   CHECK (to_state IN ('logged-out', 'available', 'reserved', 'on-call', 'wrap-up', 'not-ready')),
                    reason         TEXT    CHECK (length(reason) BETWEEN 1 AND 32
                                                  AND ltrim(reason, 'abcdefghijklmnopqrstuvwxyz0123456789-') = ''),
                    interaction_id TEXT    CHECK (interaction_id <> ''),
                    changed_at     INTEGER NOT NULL,
                    cause          TEXT    NOT NULL CHECK (length(cause) BETWEEN 1 AND 200),
                    PRIMARY KEY (agent_id, sequence),
                    -- IS NOT NULL spelled out: a comparison with NULL would pass a CHECK.
                    CHECK ((to_state = 'not-ready' AND reason IS NOT NULL) OR (to_state <> 'not-ready' AND reason IS NULL)),
                    CHECK ((to_state IN ('reserved', 'on-call', 'wrap-up') AND interaction_id IS NOT NULL)
                        OR (to_state NOT IN ('reserved', 'on-call', 'wrap-up') AND interaction_id IS NULL))
                );
                -- A supervisor's "what did this agent do today?".
                CREATE INDEX agent_state_changes_by_time ON agent_state_changes (agent_id, changed_at, sequence);

                CREATE TABLE call_records (
                    interaction_id   TEXT    NOT NULL PRIMARY KEY REFERENCES interactions (id) ON DELETE CASCADE,
                    sip_call_id      TEXT,
                    caller           TEXT    NOT NULL,
                    dialled          TEXT    NOT NULL,
                    arrived_at       INTEGER NOT NULL,
                    ivr_ended_at     INTEGER CHECK (ivr_ended_at >= arrived_at),
                    queued_at        INTEGER CHECK (queued_at >= arrived_at),
                    first_offered_at INTEGER CHECK (first_offered_at >= arrived_at),
                    answered_at      INTEGER CHECK (answered_at >= first_offered_at),
                    ended_at         INTEGER CHECK (ended_at >= arrived_at),
                    ivr_path         TEXT    NOT NULL CHECK (ivr_path LIKE '[%]'),
                    ivr_outcome      TEXT,
                    queue            TEXT    CHECK (queue <> ''),
                    queues           TEXT    NOT NULL CHECK (queues LIKE '[%]'),
                    wait_ms          INTEGER CHECK (wait_ms >= 0),
                    disposition      TEXT,
                    recording_path   TEXT    CHECK (recording_path <> ''),
                    outcome          TEXT    CHECK (outcome IN ('self-served', 'answered', 'abandoned-in-ivr',
                                                                'abandoned-in-queue', 'abandoned-ringing', 'callback',
                                                                'voicemail', 'transferred-out', 'failed', 'interrupted')),
                    end_reason       TEXT,
                    CHECK ((outcome IS NULL) = (ended_at IS NULL)),
                    CHECK (answered_at IS NULL OR first_offered_at IS NOT NULL)
                );
                CREATE INDEX call_records_by_arrival ON call_records (arrived_at, interaction_id);
                CREATE INDEX call_records_by_queue ON call_records (queue, arrived_at, interaction_id);
                CREATE INDEX call_records_unfinished ON call_records (arrived_at, interaction_id) WHERE outcome IS NULL;

                CREATE TABLE call_segments (
                    interaction_id TEXT    NOT NULL REFERENCES call_records (interaction_id) ON DELETE CASCADE,
                    position       INTEGER NOT NULL CHECK (position >= 0),
                    agent_id       TEXT    NOT NULL CHECK (agent_id <> ''),
                    queue          TEXT    CHECK (queue <> ''),
                    offered_at     INTEGER NOT NULL,
                    answered_at    INTEGER CHECK (answered_at >= offered_at),
                    ended_at       INTEGER CHECK (ended_at >= COALESCE(answered_at, offered_at)),
                    result         TEXT    NOT NULL
                                   CHECK (result IN ('ringing', 'answered', 'no-answer', 'busy', 'unreachable',
                                                     'cancelled', 'transferred')),
                    talk_ms        INTEGER NOT NULL CHECK (talk_ms >= 0),
                    hold_ms        INTEGER NOT NULL CHECK (hold_ms >= 0),
                    wrap_up_ms     INTEGER NOT NULL CHECK (wrap_up_ms >= 0),
                    disposition    TEXT,
                    notes          TEXT,
                    PRIMARY KEY (interaction_id, position),
                    CHECK ((result IN ('answered', 'transferred')) = (answered_at IS NOT NULL)),
                    CHECK (result <> 'ringing' OR ended_at IS NULL)
                );
                -- "Calls agent X handled".
                CREATE INDEX call_segments_by_agent ON call_segments (agent_id, offered_at);

                CREATE TABLE call_transfers (
                    interaction_id TEXT    NOT NULL REFERENCES call_records (interaction_id) ON DELETE CASCADE,
                    position       INTEGER NOT NULL CHECK (position >= 0),
                    transferred_at INTEGER NOT NULL,
                    kind           TEXT    NOT NULL CHECK (kind IN ('blind', 'attended')),
                    by_agent       TEXT    CHECK (by_agent <> ''),
                    target_kind    TEXT    NOT NULL CHECK (target_kind IN ('queue', 'agent', 'number')),
                    target         TEXT    NOT NULL CHECK (target <> ''),
                    completed      INTEGER NOT NULL CHECK (completed IN (0, 1)),
                    PRIMARY KEY (interaction_id, position)
                );
                """)
        }

        migrator.registerMigration("v5-lost-agents-transfer-notes") { db in
            // call_segments.result gains 'lost' (the agent's phone vanished mid-call):
            // SQLite cannot change a CHECK, so the table is rebuilt with its rows.
            // call_transfers gains the transferring agent's note for whoever takes the call.
            try db.execute(sql: """
                CREATE TABLE call_segments_v5 (
                    interaction_id TEXT    NOT NULL REFERENCES call_records (interaction_id) ON DELETE CASCADE,
                    position       INTEGER NOT NULL CHECK (position >= 0),
                    agent_id       TEXT    NOT NULL CHECK (agent_id <> ''),
                    queue          TEXT    CHECK (queue <> ''),
                    offered_at     INTEGER NOT NULL,
                    answered_at    INTEGER CHECK (answered_at >= offered_at),
                    ended_at       INTEGER CHECK (ended_at >= COALESCE(answered_at, offered_at)),
                    result         TEXT    NOT NULL
                                   CHECK (result IN ('ringing', 'answered', 'no-answer', 'busy', 'unreachable',
                                                     'cancelled', 'transferred', 'lost')),
                    talk_ms        INTEGER NOT NULL CHECK (talk_ms >= 0),
                    hold_ms        INTEGER NOT NULL CHECK (hold_ms >= 0),
                    wrap_up_ms     INTEGER NOT NULL CHECK (wrap_up_ms >= 0),
                    disposition    TEXT,
                    notes          TEXT,
                    PRIMARY KEY (interaction_id, position),
                    CHECK ((result IN ('answered', 'transferred', 'lost')) = (answered_at IS NOT NULL)),
                    CHECK (result <> 'ringing' OR ended_at IS NULL)
                );
                INSERT INTO call_segments_v5 SELECT interaction_id, position, agent_id, queue, offered_at, answered_at, ended_at,
                    result, talk_ms, hold_ms, wrap_up_ms, disposition, notes FROM call_segments;
                DROP TABLE call_segments;
                ALTER TABLE call_segments_v5 RENAME TO call_segments;
                CREATE INDEX call_segments_by_agent ON call_segments (agent_id, offered_at);

                ALTER TABLE call_transfers ADD COLUMN note TEXT CHECK (length(note) BETWEEN 1 AND 4000);
                """)
        }

        migrator.registerMigration("v6-web-passwords") { db in
            // The web and API password of a user, as a slow one-way hash (bcrypt, `$2b$…`);
            // NULL: the user cannot sign in to the web desktop. Separate from the SIP
            // digest (HA1), which SIP authentication needs and which is only as strong as MD5.
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN password_hash TEXT CHECK (password_hash LIKE '$2%' AND length(password_hash) = 60);
                """)
        }

        migrator.registerMigration("v7-audit-log") { db in
            // audit_log: who viewed or changed a customer record (AuditStore). Append-only:
            // triggers refuse UPDATE and DELETE, and an INSERT that would take an existing
            // sequence (INSERT OR REPLACE deletes the old row without firing DELETE triggers
            // unless recursive triggers are on), so no writer can rewrite history. sequence
            // is the rowid: the store lets SQLite number entries in append order; with
            // deletes refused, numbers are never reused. The length and character CHECKs
            // repeat AuditEntry.validateForStorage.
            //
            // The interactions list (RoutingStore.callRecords(matching:)) filters call records
            // by caller, outcome and customer, newest first: indexes for each, ending in
            // (arrived_at, interaction_id) so a filtered page is read in order and stops at
            // the limit. The agent filter probes each record's segments for the agent:
            // call_segments_by_record_agent answers that from the index alone, and without
            // it SQLite (no statistics) probes through call_segments_by_agent instead, which
            // reads all of a busy agent's segments per record.
            try db.execute(sql: """
                CREATE TABLE audit_log (
                    sequence INTEGER NOT NULL PRIMARY KEY CHECK (sequence >= 1),
                    at       INTEGER NOT NULL,
                    actor    TEXT    NOT NULL CHECK (length(actor) BETWEEN 1 AND 64 AND instr(actor, ' ') = 0),
                    action   TEXT    NOT NULL CHECK (length(action) BETWEEN 1 AND 64
                                                     AND ltrim(action, 'abcdefghijklmnopqrstuvwxyz.-') = ''),
                    subject  TEXT    NOT NULL CHECK (length(subject) BETWEEN 1 AND 200 AND trim(subject) <> ''),
                    detail   TEXT    CHECK (length(detail) <= 2000)
                );
                CREATE INDEX audit_log_by_subject ON audit_log (subject, sequence);
                CREATE INDEX audit_log_by_actor ON audit_log (actor, sequence);
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN
                    SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed');
                END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN
                    SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted');
                END;
                CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log
                WHEN EXISTS (SELECT 1 FROM audit_log WHERE sequence = NEW.sequence)
                BEGIN
                    SELECT RAISE(ABORT, 'audit_log is append-only: a sequence cannot be reused');
                END;

                CREATE INDEX call_records_by_caller ON call_records (caller, arrived_at, interaction_id);
                CREATE INDEX call_records_by_outcome ON call_records (outcome, arrived_at, interaction_id);
                CREATE INDEX call_segments_by_record_agent ON call_segments (interaction_id, agent_id);
                CREATE INDEX interactions_by_customer ON interactions (customer_id, started_at) WHERE customer_id IS NOT NULL;
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
