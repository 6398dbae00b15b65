import PostgresNIO
import ServiceSupport
import TokenProtocol

/// The SQL of ``PostgresUsageLedger``, for one schema: migrations, statements and row decoding.
/// Values are always bound; only the validated, quoted schema name is spliced into the text.
struct PostgresUsageSQL: Sendable {
    let schema: String
    /// `"schema".usage_events`
    let events: String
    /// `"schema".usage_rollups`
    let rollups: String
    /// `"schema".quota_leases`
    let leases: String
    /// `"schema".usage_daily`: the hourly rollups summed per UTC day, for queries of whole days.
    let daily: String

    init(schema: String) throws(SchemaNameError) {
        let quoted = try SchemaMigrator.quote(schema)
        self.schema = schema
        events = "\(quoted).usage_events"
        rollups = "\(quoted).usage_rollups"
        leases = "\(quoted).quota_leases"
        daily = "\(quoted).usage_daily"
    }

    /// Migrations of the `usage_ledger` component (versioned apart from the token tables).
    ///
    /// `usage_events` has one row per record id ever accepted: the primary key is what makes a
    /// report idempotent. `usage_rollups` sums them per token, model and UTC hour (`hour_start`,
    /// Unix seconds); queries read only the rollups.
    static let migrations: [SchemaMigration] = [
        SchemaMigration(
            version: 1, name: "usage events and hourly rollups",
            statements: [
                """
                CREATE TABLE {schema}.usage_events (
                    id text PRIMARY KEY,
                    token_id text NOT NULL,
                    subject text NOT NULL,
                    model text NOT NULL,
                    provider text NOT NULL,
                    request_time bigint NOT NULL,
                    hour_start bigint NOT NULL,
                    prompt_tokens bigint NOT NULL CHECK (prompt_tokens >= 0),
                    completion_tokens bigint NOT NULL CHECK (completion_tokens >= 0),
                    cached_tokens bigint NOT NULL CHECK (cached_tokens >= 0),
                    cost_nano_usd bigint NOT NULL CHECK (cost_nano_usd >= 0),
                    priced boolean NOT NULL,
                    estimated boolean NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX usage_events_received_at_idx ON {schema}.usage_events (received_at)",
                """
                CREATE TABLE {schema}.usage_rollups (
                    token_id text NOT NULL,
                    model text NOT NULL,
                    hour_start bigint NOT NULL,
                    subject text NOT NULL,
                    requests bigint NOT NULL,
                    prompt_tokens bigint NOT NULL,
                    completion_tokens bigint NOT NULL,
                    cached_tokens bigint NOT NULL,
                    spend_nano_usd bigint NOT NULL,
                    PRIMARY KEY (token_id, model, hour_start, subject)
                )
                """,
                "CREATE INDEX usage_rollups_subject_hour_idx ON {schema}.usage_rollups (subject, hour_start)",
                "CREATE INDEX usage_rollups_hour_idx ON {schema}.usage_rollups (hour_start)",
            ]),
        // The quota authority's tables (``PostgresQuotaSQL``), here because settlement is part of
        // recording usage: a record's lease holder, an index for a token's spend, one lock row per
        // token, each holder's money lease and requests of the current minute, and the budget
        // alerts already sent.
        SchemaMigration(
            version: 2, name: "quota leases, requests per minute and budget alert marks",
            statements: [
                "ALTER TABLE {schema}.usage_events ADD COLUMN lease_holder text",
                // A token's spend over a period as an index-only scan (a year of five models: about
                // 9 ms instead of 200 ms; a day: under 1 ms).
                "CREATE INDEX usage_rollups_token_hour_idx ON {schema}.usage_rollups (token_id, hour_start) INCLUDE (spend_nano_usd)",
                "CREATE TABLE {schema}.quota_tokens (token_id text PRIMARY KEY)",
                """
                CREATE TABLE {schema}.quota_leases (
                    token_id text NOT NULL,
                    holder text NOT NULL,
                    period_start bigint NOT NULL,
                    amount_nano_usd bigint NOT NULL CHECK (amount_nano_usd >= 0),
                    expires_at double precision NOT NULL,
                    PRIMARY KEY (token_id, holder)
                )
                """,
                """
                CREATE TABLE {schema}.quota_requests (
                    token_id text NOT NULL,
                    holder text NOT NULL,
                    window_start bigint NOT NULL,
                    granted bigint NOT NULL CHECK (granted >= 0),
                    PRIMARY KEY (token_id, holder)
                )
                """,
                """
                CREATE TABLE {schema}.budget_alerts (
                    token_id text NOT NULL,
                    period_start bigint NOT NULL,
                    threshold_percent integer NOT NULL,
                    sent_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (token_id, period_start, threshold_percent)
                )
                """,
            ]),
        // Daily rollups beside the hourly ones, kept by the same statement that records usage:
        // a month of queries reads 30 rows per token and model instead of 720 (the console's usage
        // page over 1.44 million hourly rows: a few hundred ms -> tens of ms). Backfilled from the
        // hourly rollups in the migration's transaction.
        SchemaMigration(
            version: 3, name: "daily rollups",
            statements: [
                """
                CREATE TABLE {schema}.usage_daily (
                    token_id text NOT NULL,
                    model text NOT NULL,
                    day_start bigint NOT NULL,
                    subject text NOT NULL,
                    requests bigint NOT NULL,
                    prompt_tokens bigint NOT NULL,
                    completion_tokens bigint NOT NULL,
                    cached_tokens bigint NOT NULL,
                    spend_nano_usd bigint NOT NULL,
                    PRIMARY KEY (token_id, model, day_start, subject)
                )
                """,
                """
                INSERT INTO {schema}.usage_daily (token_id, model, day_start, subject, requests, prompt_tokens, completion_tokens,
                                                  cached_tokens, spend_nano_usd)
                SELECT token_id, model, hour_start - (hour_start % 86400 + 86400) % 86400, subject, sum(requests)::bigint,
                       sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(cached_tokens)::bigint,
                       sum(spend_nano_usd)::bigint
                FROM {schema}.usage_rollups
                GROUP BY 1, 2, 3, 4
                """,
                "CREATE INDEX usage_daily_day_idx ON {schema}.usage_daily (day_start)",
                "CREATE INDEX usage_daily_subject_day_idx ON {schema}.usage_daily (subject, day_start)",
            ]),
    ]

    /// One statement that inserts the records whose ids are new (in id order) and adds exactly
    /// those rows to the rollups (in key order), returning how many were new.
    ///
    /// A record id already present, committed by another statement or replica, is skipped by
    /// `ON CONFLICT DO NOTHING`; one being inserted by a concurrent statement makes this one wait
    /// for it and then skip it. Both orders are fixed, so concurrent reports wait on each other
    /// in the same order and cannot deadlock. The statement is its own transaction.
    ///
    /// Settlement rides along: the new records with a lease holder leave that holder's lease
    /// (floored at 0; only records of the lease's period or later: a late record of an earlier
    /// period does not touch a lease of the current one) in the same statement, so a grant reading spend and leases in one statement
    /// sees a settled cost either in the lease or in the spend, never in neither (and a batch sent
    /// twice settles once, as it counts once).
    func record(_ records: [UsageRecord]) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 13)
        binds.append(records.map(\.id))
        binds.append(records.map(\.tokenID))
        binds.append(records.map(\.subject))
        binds.append(records.map(\.model))
        binds.append(records.map(\.provider))
        binds.append(records.map(\.time))
        binds.append(records.map(\.promptTokens))
        binds.append(records.map(\.completionTokens))
        binds.append(records.map(\.cachedTokens))
        binds.append(records.map(\.costNanoUSD.value))
        binds.append(records.map(\.priced))
        binds.append(records.map(\.estimated))
        binds.append(records.map { $0.leaseHolder ?? "" })
        let sql = """
            WITH input AS (
                SELECT * FROM unnest(
                    $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[],
                    $9::bigint[], $10::bigint[], $11::boolean[], $12::boolean[], $13::text[]
                ) AS t(id, token_id, subject, model, provider, request_time, prompt_tokens, completion_tokens,
                       cached_tokens, cost_nano_usd, priced, estimated, lease_holder)
            ),
            inserted AS (
                INSERT INTO \(events) (id, token_id, subject, model, provider, request_time, hour_start, prompt_tokens,
                                       completion_tokens, cached_tokens, cost_nano_usd, priced, estimated, lease_holder)
                SELECT id, token_id, subject, model, provider, request_time, request_time - (request_time % 3600 + 3600) % 3600,
                       prompt_tokens, completion_tokens, cached_tokens, cost_nano_usd, priced, estimated, NULLIF(lease_holder, '')
                FROM input ORDER BY id COLLATE "C"
                ON CONFLICT (id) DO NOTHING
                RETURNING token_id, subject, model, hour_start, prompt_tokens, completion_tokens, cached_tokens, cost_nano_usd,
                          lease_holder
            ),
            settled AS (
                UPDATE \(leases) AS l SET amount_nano_usd = GREATEST(l.amount_nano_usd - s.cost, 0)
                FROM (
                    SELECT i.token_id, i.lease_holder, sum(i.cost_nano_usd)::bigint AS cost
                    FROM inserted AS i
                    JOIN \(leases) AS held ON held.token_id = i.token_id AND held.holder = i.lease_holder
                    WHERE i.hour_start >= held.period_start
                    GROUP BY i.token_id, i.lease_holder
                ) AS s
                WHERE l.token_id = s.token_id AND l.holder = s.lease_holder
                RETURNING 1
            ),
            rolled AS (
                INSERT INTO \(rollups) AS r (token_id, model, hour_start, subject, requests, prompt_tokens,
                                             completion_tokens, cached_tokens, spend_nano_usd)
                SELECT token_id, model, hour_start, subject, count(*), sum(prompt_tokens)::bigint,
                       sum(completion_tokens)::bigint, sum(cached_tokens)::bigint, sum(cost_nano_usd)::bigint
                FROM inserted
                GROUP BY token_id, model, hour_start, subject
                ORDER BY token_id COLLATE "C", model COLLATE "C", hour_start, subject COLLATE "C"
                ON CONFLICT (token_id, model, hour_start, subject) DO UPDATE SET
                    requests = r.requests + EXCLUDED.requests,
                    prompt_tokens = r.prompt_tokens + EXCLUDED.prompt_tokens,
                    completion_tokens = r.completion_tokens + EXCLUDED.completion_tokens,
                    cached_tokens = r.cached_tokens + EXCLUDED.cached_tokens,
                    spend_nano_usd = r.spend_nano_usd + EXCLUDED.spend_nano_usd
                RETURNING 1
            ),
            rolled_daily AS (
                INSERT INTO \(daily) AS d (token_id, model, day_start, subject, requests, prompt_tokens,
                                           completion_tokens, cached_tokens, spend_nano_usd)
                SELECT token_id, model, hour_start - (hour_start % 86400 + 86400) % 86400, subject, count(*),
                       sum(prompt_tokens)::bigint, sum(completion_tokens)::bigint, sum(cached_tokens)::bigint,
                       sum(cost_nano_usd)::bigint
                FROM inserted
                GROUP BY token_id, model, 3, subject
                ORDER BY token_id COLLATE "C", model COLLATE "C", 3, subject COLLATE "C"
                ON CONFLICT (token_id, model, day_start, subject) DO UPDATE SET
                    requests = d.requests + EXCLUDED.requests,
                    prompt_tokens = d.prompt_tokens + EXCLUDED.prompt_tokens,
                    completion_tokens = d.completion_tokens + EXCLUDED.completion_tokens,
                    cached_tokens = d.cached_tokens + EXCLUDED.cached_tokens,
                    spend_nano_usd = d.spend_nano_usd + EXCLUDED.spend_nano_usd
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM inserted)::bigint
            """
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// The totals of the selected hours, grouped and ordered like the memory ledger (text in
    /// byte order). A filter of whole UTC days (`from` and `to` at midnight, or absent) reads the
    /// daily rollups; any other reads the hourly ones. Columns: the group keys in ``UsageGrouping/names`` order (day as the day
    /// number), then requests, prompt, completion, cached tokens and spend.
    ///
    /// With `largest`, only that many groups: those of the largest spend, largest first.
    func totals(_ filter: UsageFilter, groupBy grouping: UsageGrouping, largest: Int? = nil) -> PostgresQuery {
        var keys: [(column: String, order: String)] = []
        if grouping.contains(.token) { keys.append(("token_id", "token_id COLLATE \"C\"")) }
        if grouping.contains(.subject) { keys.append(("subject", "subject COLLATE \"C\"")) }
        if grouping.contains(.model) { keys.append(("model", "model COLLATE \"C\"")) }
        // Whole days: the daily rollups hold the same sums, 24 times fewer rows.
        let wholeDays = (filter.from.map { $0 % UsageHour.secondsPerDay == 0 } ?? true) && (filter.to.map { $0 % UsageHour.secondsPerDay == 0 } ?? true)
        let (table, time) = wholeDays ? (daily, "day_start") : (rollups, "hour_start")
        let dayNumber = Self.dayNumber(of: time)
        if grouping.contains(.day) { keys.append((dayNumber, dayNumber)) }
        var binds = PostgresBindings()
        var conditions: [String] = []
        if let tokenIDs = filter.tokenIDs {
            binds.append(tokenIDs.sorted())
            conditions.append("token_id = ANY($\(binds.count)::text[])")
        }
        if let subject = filter.subject {
            binds.append(subject)
            conditions.append("subject = $\(binds.count)")
        }
        if let firstHour = filter.firstHour {
            binds.append(firstHour)
            conditions.append("\(time) >= $\(binds.count)")
        }
        if let to = filter.to {
            binds.append(to)
            conditions.append("\(time) < $\(binds.count)")
        }
        var sql = "SELECT "
        sql +=
            (keys.map(\.column) + [
                "COALESCE(sum(requests), 0)::bigint", "COALESCE(sum(prompt_tokens), 0)::bigint",
                "COALESCE(sum(completion_tokens), 0)::bigint", "COALESCE(sum(cached_tokens), 0)::bigint",
                "COALESCE(sum(spend_nano_usd), 0)::bigint",
            ]).joined(separator: ", ")
        sql += " FROM \(table)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        if !keys.isEmpty {
            sql += " GROUP BY " + keys.map(\.column).joined(separator: ", ")
            let order = keys.map(\.order).joined(separator: ", ")
            if let largest {
                binds.append(max(0, largest))
                sql += " ORDER BY sum(spend_nano_usd) DESC, \(order) LIMIT $\(binds.count)"
            } else {
                sql += " ORDER BY " + order
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    /// The day number (days since 1970-01-01, UTC) of a rollup's hour, rounded down.
    static func dayNumber(of column: String) -> String {
        "(\(column) - (\(column) % 86400 + 86400) % 86400) / 86400"
    }

    /// A row of ``totals(_:groupBy:)``.
    static func totals(from row: PostgresRow, groupBy grouping: UsageGrouping) throws -> UsageTotals {
        let cells = row.makeRandomAccess()
        var index = 0
        func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
            defer { index += 1 }
            return try cells[index].decode(T.self)
        }
        var totals = UsageTotals()
        if grouping.contains(.token) { totals.tokenID = try next(String.self) }
        if grouping.contains(.subject) { totals.subject = try next(String.self) }
        if grouping.contains(.model) { totals.model = try next(String.self) }
        if grouping.contains(.day) { totals.day = UsageHour.day(of: try next(Int64.self) * UsageHour.secondsPerDay) }
        totals.requests = try next(Int64.self)
        totals.promptTokens = try next(Int64.self)
        totals.completionTokens = try next(Int64.self)
        totals.cachedTokens = try next(Int64.self)
        totals.spendNanoUSD = NanoUSD(try next(Int64.self))
        return totals
    }
}
