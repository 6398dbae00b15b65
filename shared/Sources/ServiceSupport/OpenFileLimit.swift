#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`). Every proxied stream holds two sockets and every
/// client connection one, so both executables raise the soft limit to the hard limit at startup, as
/// Go's runtime has done since 1.19 and nginx's `worker_rlimit_nofile` does, and report it.
public enum OpenFileLimit {
    public struct Limits: Sendable, Equatable, CustomStringConvertible {
        /// The limit in force (what `ulimit -n` shows).
        public var soft: UInt64
        /// The ceiling an unprivileged process may raise `soft` to.
        public var hard: UInt64

        public var description: String { "\(soft) (hard \(hard))" }
    }

    /// The limits in force; nil if the system would not say.
    public static func current() -> Limits? {
        #if os(Linux) || canImport(Darwin)
            var limit = rlimit()
            guard getrlimit(resource, &limit) == 0 else { return nil }
            return Limits(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
        #else
            return nil
        #endif
    }

    /// Raises the soft limit to the hard one (a no-op when they are equal) and returns the limits in
    /// force afterwards. On macOS an unlimited hard limit is capped at `OPEN_MAX`, which is what the
    /// kernel accepts there.
    @discardableResult
    public static func raiseToHardLimit() -> Limits? {
        #if os(Linux) || canImport(Darwin)
            var limit = rlimit()
            guard getrlimit(resource, &limit) == 0 else { return nil }
            if limit.rlim_cur < limit.rlim_max {
                var raised = limit
                #if canImport(Darwin)
                    raised.rlim_cur = min(limit.rlim_max, rlim_t(OPEN_MAX))
                #else
                    raised.rlim_cur = limit.rlim_max
                #endif
                _ = setrlimit(resource, &raised)
            }
            return current()
        #else
            return nil
        #endif
    }

    #if os(Linux)
        private static var resource: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_NOFILE.rawValue) }
    #elseif canImport(Darwin)
        private static var resource: Int32 { RLIMIT_NOFILE }
    #endif
}
