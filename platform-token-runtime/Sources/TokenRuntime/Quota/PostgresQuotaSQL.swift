import PostgresNIO
import ServiceSupport
import TokenProtocol

/// The SQL of ``PostgresQuotaStore``, for one schema. The tables come with the usage ledger's
/// migrations (``PostgresUsageSQL/migrations``, version 2), since settlement is part of recording
/// usage. Values are always bound; only the validated, quoted schema name is spliced in.
struct PostgresQuotaSQL: Sendable {
    let schema: String
    let tokens: String
    let leases: String
    let requests: String
    let alerts: String
    let rollups: String

    init(schema: String) throws(SchemaNameError) {
        let quoted = try SchemaMigrator.quote(schema)
        self.schema = schema
        tokens = "\(quoted).quota_tokens"
        leases = "\(quoted).quota_leases"
        requests = "\(quoted).quota_requests"
        alerts = "\(quoted).budget_alerts"
        rollups = "\(quoted).usage_rollups"
    }

    /// Creates the token's lock row if missing and locks it until the transaction ends: every call
    /// for the token, on every replica, waits here for the one before it. (`DO UPDATE` rather than
    /// `DO NOTHING` so that an existing row is locked too.)
    func lock(tokenID: String) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 1)
        binds.append(tokenID)
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(tokens) AS t (token_id) VALUES ($1)
                ON CONFLICT (token_id) DO UPDATE SET token_id = t.token_id
                """, binds: binds)
    }

    /// The ``QuotaBook`` in one statement (one snapshot, taken after the lock): spend of the
    /// period's hours, live leases of the period (others', the holder's), requests of the minute.
    /// Columns: spent, others' leases, holder's lease, others' requests, holder's requests.
    func book(tokenID: String, holder: String, firstHour: Int64, endHour: Int64?, periodStart: Int64, now: Double, window: Int64)
        -> PostgresQuery
    {
        var binds = PostgresBindings(capacity: 7)
        binds.append(tokenID)
        binds.append(holder)
        binds.append(firstHour)
        binds.append(endHour ?? .max)
        binds.append(periodStart)
        binds.append(now)
        binds.append(window)
        return PostgresQuery(
            unsafeSQL: """
                SELECT
                    (SELECT COALESCE(sum(spend_nano_usd), 0)::bigint FROM \(rollups)
                     WHERE token_id = $1 AND hour_start >= $3 AND hour_start < $4),
                    (SELECT COALESCE(sum(amount_nano_usd), 0)::bigint FROM \(leases)
                     WHERE token_id = $1 AND holder <> $2 AND period_start = $5 AND expires_at > $6),
                    (SELECT COALESCE(sum(amount_nano_usd), 0)::bigint FROM \(leases)
                     WHERE token_id = $1 AND holder = $2 AND period_start = $5 AND expires_at > $6),
                    (SELECT COALESCE(sum(granted), 0)::bigint FROM \(requests)
                     WHERE token_id = $1 AND holder <> $2 AND window_start = $7),
                    (SELECT COALESCE(sum(granted), 0)::bigint FROM \(requests)
                     WHERE token_id = $1 AND holder = $2 AND window_start = $7)
                """, binds: binds)
    }

    /// Writes the holder's lease after a call: the lease it had (if still live) less what it
    /// released, floored at 0, plus the grant; else just the grant. Relative to the row as it is
    /// when written, so a settlement committed since the book was read is kept.
    func writeLease(
        tokenID: String, holder: String, periodStart: Int64, now: Double, released: Int64, granted: Int64, expiresAt: Double
    ) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 7)
        binds.append(tokenID)
        binds.append(holder)
        binds.append(periodStart)
        binds.append(granted)
        binds.append(expiresAt)
        binds.append(now)
        binds.append(released)
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(leases) AS l (token_id, holder, period_start, amount_nano_usd, expires_at)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (token_id, holder) DO UPDATE SET
                    amount_nano_usd = CASE WHEN l.period_start = EXCLUDED.period_start AND l.expires_at > $6
                        THEN GREATEST(l.amount_nano_usd - $7, 0) + EXCLUDED.amount_nano_usd
                        ELSE EXCLUDED.amount_nano_usd END,
                    period_start = EXCLUDED.period_start,
                    expires_at = EXCLUDED.expires_at
                """, binds: binds)
    }

    /// Writes the holder's requests of the current minute.
    func writeRequests(tokenID: String, holder: String, window: Int64, granted: Int) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 4)
        binds.append(tokenID)
        binds.append(holder)
        binds.append(window)
        binds.append(Int64(granted))
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(requests) AS r (token_id, holder, window_start, granted) VALUES ($1, $2, $3, $4)
                ON CONFLICT (token_id, holder) DO UPDATE SET window_start = EXCLUDED.window_start, granted = EXCLUDED.granted
                """, binds: binds)
    }

    /// The token's spend in `[firstHour, endHour)`.
    func spent(tokenID: String, firstHour: Int64, endHour: Int64?) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 3)
        binds.append(tokenID)
        binds.append(firstHour)
        binds.append(endHour ?? .max)
        return PostgresQuery(
            unsafeSQL: """
                SELECT COALESCE(sum(spend_nano_usd), 0)::bigint FROM \(rollups)
                WHERE token_id = $1 AND hour_start >= $2 AND hour_start < $3
                """, binds: binds)
    }

    /// Deletes leases that lapsed before `time` and requests of minutes that ended before it;
    /// returns how many rows went.
    func sweep(before time: Double) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 2)
        binds.append(time)
        binds.append(Int64(time.rounded(.down)) - 60)
        return PostgresQuery(
            unsafeSQL: """
                WITH leases AS (DELETE FROM \(leases) WHERE expires_at < $1 RETURNING 1),
                     requests AS (DELETE FROM \(requests) WHERE window_start < $2 RETURNING 1)
                SELECT ((SELECT count(*) FROM leases) + (SELECT count(*) FROM requests))::bigint
                """, binds: binds)
    }

    /// Returns a row only for the statement that inserted the mark.
    func markAlert(tokenID: String, periodStart: Int64, thresholdPercent: Int) -> PostgresQuery {
        var binds = PostgresBindings(capacity: 3)
        binds.append(tokenID)
        binds.append(periodStart)
        binds.append(Int32(thresholdPercent))
        return PostgresQuery(
            unsafeSQL: """
                INSERT INTO \(alerts) (token_id, period_start, threshold_percent) VALUES ($1, $2, $3)
                ON CONFLICT DO NOTHING RETURNING 1
                """, binds: binds)
    }
}
