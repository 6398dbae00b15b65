/// The paths, headers and event names the gateway and platform-token-runtime exchange: spelled
/// here once, used by both sides.
public enum RuntimePath {
    /// RFC 7662 introspection (`POST`, form-encoded, caller authenticated with the introspection secret).
    public static let introspect = "/v1/introspect"
    /// The revocation event stream (`GET`, `text/event-stream`).
    public static let events = "/v1/events"
    /// The admin token collection; `tokens + "/" + id` is one token, `+ "/revoke"` revokes it.
    public static let tokens = "/v1/tokens"
    /// The usage ledger: `POST` a ``UsageReport`` (gateways, introspection secret); `GET` totals
    /// (admin key, any filter; the introspection secret, one `token_id`).
    public static let usage = "/v1/usage"
}

/// Event names and headers of the revocation stream at ``RuntimePath/events``.
public enum RevocationStream {
    /// First frame: the stream's current position (data `{}`).
    public static let hello = "hello"
    /// One token revoked; data is a ``RevocationEvent``.
    public static let revoked = "revoked"
    /// Drop every cached active entry (the subscriber missed events it cannot be told).
    public static let reset = "reset"
    /// A token's policy changed (`PATCH`); data is a ``TokenUpdatedEvent``. Gateways evict the
    /// cached entry, so the next request introspects again, and drop what they know of its quota.
    public static let updated = "updated"
    /// Hand back unused quota leases of one token now; data is a ``QuotaRecallEvent``.
    public static let recall = "recall"
    /// A token's spend crossed 50, 80 or 100 % of its budget; data is a ``BudgetAlertEvent``.
    public static let budget = "budget"
    /// The request header that resumes the stream after the event id it names.
    public static let lastEventIDHeader = "Last-Event-ID"
}

/// The quota API of platform-token-runtime, the authority for each token's budget and its
/// requests-per-minute window across every gateway (gateways call it with the introspection secret).
public enum QuotaPath {
    /// `POST` a ``QuotaLeaseRequest``: take a slice of a token's remaining budget and of its
    /// requests in the current minute, hand back what is unused, and extend the holder's lease.
    /// Answer: ``QuotaLeaseGrant``.
    public static let lease = "/v1/quota/lease"
}
