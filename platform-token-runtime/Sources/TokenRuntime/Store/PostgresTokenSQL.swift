import PostgresNIO
import ServiceSupport
import TokenProtocol

/// The SQL of ``PostgresTokenStore``, for one schema: migrations, statements and row decoding.
/// Values are always bound; only the validated, quoted schema name is spliced into the text.
struct PostgresTokenSQL: Sendable {
    let schema: String
    /// `"schema".tokens`
    let tokens: String
    let replicas: String
    let revocationSequence: String
    let channel: String
    /// Where announced stream events travel between replicas (``StreamEventEnvelope`` payloads).
    let eventsChannel: String

    init(schema: String) throws(SchemaNameError) {
        let quoted = try SchemaMigrator.quote(schema)
        self.schema = schema
        tokens = "\(quoted).tokens"
        replicas = "\(quoted).token_runtime_replicas"
        revocationSequence = "\(quoted).token_revocation_seq"
        channel = schema == "public" ? "token_revoked" : "token_revoked_\(schema)"
        eventsChannel = schema == "public" ? "token_events" : "token_events_\(schema)"
    }

    static let migrations: [SchemaMigration] = [
        SchemaMigration(
            version: 1, name: "tokens, revocation sequence, replicas",
            statements: [
                """
                CREATE TABLE {schema}.tokens (
                    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    id text NOT NULL UNIQUE,
                    digest bytea NOT NULL UNIQUE CHECK (octet_length(digest) = 32),
                    subject text NOT NULL,
                    client_id text,
                    scopes text[] NOT NULL DEFAULT '{}',
                    issued_at bigint NOT NULL,
                    expires_at bigint NOT NULL,
                    revoked_at bigint,
                    revocation_seq bigint,
                    rate_limit_rpm bigint,
                    rate_limit_tpm bigint,
                    models text[]
                )
                """,
                "CREATE INDEX tokens_subject_seq_idx ON {schema}.tokens (subject, seq)",
                """
                CREATE UNIQUE INDEX tokens_revocation_seq_idx ON {schema}.tokens (revocation_seq)
                    WHERE revocation_seq IS NOT NULL
                """,
                "CREATE SEQUENCE {schema}.token_revocation_seq",
                """
                CREATE TABLE {schema}.token_runtime_replicas (
                    id text PRIMARY KEY,
                    acked_seq bigint NOT NULL,
                    heartbeat_at timestamptz NOT NULL DEFAULT now(),
                    started_at timestamptz NOT NULL DEFAULT now()
                )
                """,
            ]),
        SchemaMigration(
            version: 2, name: "budget claims",
            statements: [
                """
                ALTER TABLE {schema}.tokens
                    ADD COLUMN max_budget_nano_usd bigint CHECK (max_budget_nano_usd >= 0),
                    ADD COLUMN budget_period text CHECK (budget_period IN ('total', 'day', 'month'))
                """
            ]),
        // The console lists revoked tokens newest first: without this, a page of the few revoked
        // tokens among 100,000 reads them all.
        SchemaMigration(
            version: 3, name: "revoked tokens by seq",
            statements: [
                "CREATE INDEX tokens_revoked_seq_idx ON {schema}.tokens (seq) WHERE revoked_at IS NOT NULL"
            ]),
    ]

    /// The record's own columns, then its ``TokenPolicy``'s (``TokenPolicy/postgresColumns``).
    static let recordColumns = ["id", "digest", "subject", "client_id", "scopes", "issued_at", "expires_at", "revoked_at"]
    static let columns = (recordColumns + TokenPolicy.postgresColumns).joined(separator: ", ")
    static let placeholders = (1...(recordColumns.count + TokenPolicy.postgresColumns.count)).map { "$\($0)" }
        .joined(separator: ", ")

    func insert(_ record: TokenRecord) -> PostgresQuery {
        var binds = PostgresBindings(capacity: Self.recordColumns.count + TokenPolicy.postgresColumns.count)
        binds.append(record.id)
        binds.append(ByteBuffer(bytes: record.digest.bytes))
        binds.append(record.subject)
        binds.append(record.clientID)
        binds.append(record.scopes)
        binds.append(record.issuedAt)
        binds.append(record.expiresAt)
        binds.append(record.revokedAt)
        record.policy.bind(into: &binds)
        return PostgresQuery(unsafeSQL: "INSERT INTO \(tokens) (\(Self.columns)) VALUES (\(Self.placeholders))", binds: binds)
    }

    func select(digest: TokenDigest) -> PostgresQuery {
        "SELECT \(unescaped: Self.columns) FROM \(unescaped: tokens) WHERE digest = \(ByteBuffer(bytes: digest.bytes))"
    }

    func select(id: String) -> PostgresQuery {
        "SELECT \(unescaped: Self.columns) FROM \(unescaped: tokens) WHERE id = \(id)"
    }

    /// Serializes revocations (until commit), so revocation sequence numbers follow commit order.
    var lockRevocations: PostgresQuery {
        "SELECT pg_advisory_xact_lock(hashtext(\(schema + ".token_revocations")))"
    }

    /// Revokes a token that is not revoked yet and notifies every listener, in the same statement
    /// (the notification is delivered when the transaction commits). Row: seq, then the record.
    func revoke(id: String, at time: Int64) -> PostgresQuery {
        """
        WITH revoked AS (
            UPDATE \(unescaped: tokens)
            SET revoked_at = \(time), revocation_seq = nextval('\(unescaped: revocationSequence)')
            WHERE id = \(id) AND revoked_at IS NULL
            RETURNING revocation_seq, \(unescaped: Self.columns)
        )
        SELECT revocation_seq, \(unescaped: Self.columns),
            pg_notify(\(channel), revocation_seq || ':' || id || ':' || encode(digest, 'hex'))
        FROM revoked
        """
    }

    /// Replaces a token's policy columns and notifies every listener on the revocation channel with
    /// `<seq>:<token id>:<digest hex>:updated` (a number of the revocation sequence, so replicas
    /// acknowledge it as they do revocations). Row: seq, then the record; none for an unknown id.
    /// A replica that does not know the `:updated` suffix drops its whole memory layer (safe).
    func update(id: String, policy: TokenPolicy, ifCurrent expected: TokenPolicy?) -> PostgresQuery {
        let columns = TokenPolicy.postgresColumns
        var binds = PostgresBindings(capacity: 2 * columns.count + 2)
        policy.bind(into: &binds)
        let assignments = columns.enumerated().map { "\($1) = $\($0 + 1)" }.joined(separator: ", ")
        binds.append(id)
        var condition = "id = $\(binds.count)"
        if let expected {
            let first = binds.count + 1
            expected.bind(into: &binds)
            condition += columns.enumerated().map { " AND \($1) IS NOT DISTINCT FROM $\(first + $0)" }.joined()
        }
        binds.append(channel)
        let sql = """
            WITH updated AS (
                UPDATE \(tokens) SET \(assignments) WHERE \(condition)
                RETURNING \(Self.columns)
            ), numbered AS (
                SELECT nextval('\(revocationSequence)') AS seq, updated.* FROM updated
            )
            SELECT seq, \(Self.columns),
                pg_notify($\(binds.count), seq || ':' || id || ':' || encode(digest, 'hex') || ':\(Self.updatedSuffix)')
            FROM numbered
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// The last field of an update's notification on the revocation channel.
    static let updatedSuffix = "updated"

    /// Records in issue order after the cursor, filtered; one more than the limit, to know
    /// whether another page follows.
    func list(_ query: TokenQuery, now: Double) -> PostgresQuery {
        // Newest first: before the cursor's seq (every seq when there is no cursor).
        let position =
            query.newestFirst
            ? "seq < COALESCE((SELECT seq FROM \(tokens) WHERE id = $1), 9223372036854775807)"
            : "seq > COALESCE((SELECT seq FROM \(tokens) WHERE id = $1), 0)"
        var sql = """
            SELECT \(Self.columns) FROM \(tokens)
            WHERE \(position)
            """
        var binds = PostgresBindings()
        binds.append(query.after ?? "")
        if let subject = query.subject {
            binds.append(subject)
            sql += " AND subject = $\(binds.count)"
        }
        switch query.status {
        case nil: break
        case .active?:
            binds.append(now)
            sql += " AND revoked_at IS NULL AND expires_at > $\(binds.count)"
        case .expired?:
            binds.append(now)
            sql += " AND revoked_at IS NULL AND expires_at <= $\(binds.count)"
        case .revoked?:
            sql += " AND revoked_at IS NOT NULL"
        case .unknown?:
            sql += " AND false"
        }
        if let search = query.search, !search.isEmpty {
            // lower() and LIKE: about a third faster than ILIKE over every row (a search with few matches reads them all).
            binds.append("%" + Self.likeEscaped(search.lowercased()) + "%")
            let pattern = "$\(binds.count)"
            sql += " AND (lower(subject) LIKE \(pattern) OR lower(id) LIKE \(pattern) OR lower(client_id) LIKE \(pattern))"
        }
        binds.append(max(0, query.limit) + 1)
        sql += " ORDER BY seq\(query.newestFirst ? " DESC" : "") LIMIT $\(binds.count)"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// `text` matched literally inside a LIKE pattern (whose default escape character is the backslash).
    static func likeEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if character == "\\" || character == "%" || character == "_" { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }

    /// Sends an announced stream event to every replica's listener.
    func notify(event payload: String) -> PostgresQuery {
        "SELECT pg_notify(\(eventsChannel), \(payload))"
    }

    // MARK: Replicas

    /// The newest committed revocation: a new listener acknowledges everything up to here.
    var newestRevocation: PostgresQuery {
        "SELECT COALESCE(max(revocation_seq), 0)::bigint FROM \(unescaped: tokens) WHERE revocation_seq IS NOT NULL"
    }

    func register(replica: String, acked: Int64) -> PostgresQuery {
        """
        INSERT INTO \(unescaped: replicas) (id, acked_seq, heartbeat_at) VALUES (\(replica), \(acked), now())
        ON CONFLICT (id) DO UPDATE SET acked_seq = EXCLUDED.acked_seq, heartbeat_at = now()
        """
    }

    /// Forgets replicas silent for `seconds` (they crashed without deregistering).
    func forgetReplicas(silentFor seconds: Double) -> PostgresQuery {
        "DELETE FROM \(unescaped: replicas) WHERE heartbeat_at < now() - make_interval(secs => \(seconds))"
    }

    func heartbeat(replica: String) -> PostgresQuery {
        "UPDATE \(unescaped: replicas) SET heartbeat_at = now() WHERE id = \(replica) RETURNING id"
    }

    func acknowledge(replica: String, sequence: Int64) -> PostgresQuery {
        """
        UPDATE \(unescaped: replicas) SET acked_seq = GREATEST(acked_seq, \(sequence)), heartbeat_at = now()
        WHERE id = \(replica)
        """
    }

    /// Live replicas other than `replica` that have not yet acknowledged `sequence`.
    func pendingAcknowledgements(of sequence: Int64, except replica: String, liveness seconds: Double) -> PostgresQuery {
        """
        SELECT count(*)::bigint FROM \(unescaped: replicas)
        WHERE id <> \(replica) AND acked_seq < \(sequence)
          AND heartbeat_at > now() - make_interval(secs => \(seconds))
        """
    }

    func deregister(replica: String) -> PostgresQuery {
        "DELETE FROM \(unescaped: replicas) WHERE id = \(replica)"
    }

    // MARK: Rows

    /// A record from the columns of ``columns``, starting at `offset`.
    static func record(from row: PostgresRow, offset: Int = 0) throws -> TokenRecord {
        let cells = row.makeRandomAccess()
        let digestBytes = try cells[offset + 1].decode(ByteBuffer.self)
        guard let digest = digestBytes.withUnsafeReadableBytes({ TokenDigest(bytes: $0) }) else {
            throw TokenStoreError.unavailable("a stored digest is not 32 bytes")
        }
        return TokenRecord(
            id: try cells[offset].decode(String.self),
            digest: digest,
            subject: try cells[offset + 2].decode(String.self),
            clientID: try cells[offset + 3].decode(String?.self),
            scopes: try cells[offset + 4].decode([String].self),
            issuedAt: try cells[offset + 5].decode(Int64.self),
            expiresAt: try cells[offset + 6].decode(Int64.self),
            revokedAt: try cells[offset + 7].decode(Int64?.self),
            policy: try TokenPolicy(row: cells, at: offset + recordColumns.count)
        )
    }
}
