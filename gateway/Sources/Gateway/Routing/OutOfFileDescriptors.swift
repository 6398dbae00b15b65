import ServiceSupport
import AsyncHTTPClient
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Recognises "this process (or the system) has no file descriptor left" in an outbound
/// connection error, so the gateway answers 503 and counts it instead of blaming the provider.
enum OutOfFileDescriptors {
    static func caused(_ error: any Error) -> Bool {
        switch error {
        case let error as IOError:
            return error.errnoCode == EMFILE || error.errnoCode == ENFILE
        case let error as NIOConnectionError:
            if let dns = error.dnsAAAAError ?? error.dnsAError, caused(dns) { return true }
            return error.connectionErrors.contains { caused($0.error) }
        default:
            // AsyncHTTPClient may wrap the socket error; its description keeps strerror's text.
            let text = String(describing: error)
            return text.contains("Too many open files") || text.contains("EMFILE")
        }
    }
}
