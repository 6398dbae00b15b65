import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain TCP client for what HTTP clients will not send: malformed or truncated requests,
/// half-closed connections. Blocking socket calls run on a dedicated thread (never on the
/// concurrency pool), each bounded by socket timeouts.
enum RawConnection {
    struct Outcome: Sendable, CustomStringConvertible {
        /// Every byte the server sent before closing (or before the deadline).
        var received: [UInt8]
        /// The server closed the connection (read returned 0 or the connection was reset).
        var closedByServer: Bool
        var elapsed: Duration

        var text: String { String(decoding: received, as: UTF8.self) }

        /// The status code of the first response, if any.
        var status: Int? {
            guard text.hasPrefix("HTTP/1.") else { return nil }
            let parts = text.split(separator: " ", maxSplits: 2)
            return parts.count >= 2 ? Int(parts[1]) : nil
        }

        var description: String {
            "status \(status.map(String.init) ?? "none"), closed by server: \(closedByServer), after \(elapsed), received: \(text.prefix(300))"
        }
    }

    /// Connects to 127.0.0.1:port, writes `chunks` in order, half-closes (shutdown of the write
    /// side) when `halfClose`, then reads until the server closes or `readTimeout` passes.
    /// With `stopAfterHead` it returns as soon as a response head has arrived.
    /// `source`: the local address to connect from (any of 127.0.0.0/8), for tests that need
    /// distinct client addresses.
    static func exchange(
        port: Int, chunks: [[UInt8]], halfClose: Bool, readTimeout: Duration = .seconds(10), stopAfterHead: Bool = false,
        source: String? = nil
    ) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(
                    with: Result {
                        try blockingExchange(
                            port: port, chunks: chunks, halfClose: halfClose, readTimeout: readTimeout, stopAfterHead: stopAfterHead,
                            source: source)
                    })
            }
            thread.start()
        }
    }

    /// One HTTP/1.1 request with `Connection: close`, from `source`; the whole answer.
    static func request(
        port: Int, method: String = "POST", path: String, headers: [(String, String)], body: String = "", source: String? = nil
    ) async throws -> Outcome {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "Content-Length: \(body.utf8.count)\r\n\r\n"
        return try await exchange(port: port, chunks: [Array((head + body).utf8)], halfClose: false, source: source)
    }

    private static func blockingExchange(
        port: Int, chunks: [[UInt8]], halfClose: Bool, readTimeout: Duration, stopAfterHead: Bool, source: String?
    ) throws -> Outcome {
        let start = ContinuousClock.now
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        // Short socket timeouts; the overall deadline is enforced by the read loop.
        var tick = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tick, socklen_t(MemoryLayout<timeval>.size))
        var sendTimeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var noSigPipe: Int32 = 1
        #if canImport(Darwin)
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &noSigPipe, socklen_t(MemoryLayout<Int32>.size))
        #else
            _ = noSigPipe
        #endif

        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_port = 0
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw HarnessError("bind to \(source) failed: errno \(errno)") }
        }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw HarnessError("connect to 127.0.0.1:\(port) failed: errno \(errno)") }

        var closed = false
        writing: for chunk in chunks {
            var offset = 0
            while offset < chunk.count {
                #if canImport(Glibc)
                    let flags = Int32(MSG_NOSIGNAL)
                #else
                    let flags: Int32 = 0
                #endif
                let sent = chunk[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
                if sent <= 0 {
                    // The server may refuse a request before reading all of it (a 400 for an
                    // oversized head); what it answered is still read below.
                    closed = true
                    break writing
                }
                offset += sent
            }
        }
        if halfClose, !closed { shutdown(fd, Int32(SHUT_WR)) }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = start + readTimeout
        while ContinuousClock.now < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                received += buffer[..<count]
                if stopAfterHead, received.count >= 4, String(decoding: received, as: UTF8.self).contains("\r\n\r\n") { break }
                continue
            }
            if count == 0 {
                closed = true
                break
            }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
            closed = true  // ECONNRESET and the like: the server dropped the connection
            break
        }
        return Outcome(received: received, closedByServer: closed, elapsed: ContinuousClock.now - start)
    }
}
