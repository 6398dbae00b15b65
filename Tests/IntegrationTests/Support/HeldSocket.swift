import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A client TCP connection to 127.0.0.1 held open for as long as a test likes: for slow and idle
/// clients, and for filling a server's connection cap. Connect and send are quick on loopback;
/// reads never block (``poll()``), so many of these can be driven from async code.
final class HeldSocket: @unchecked Sendable {
    private var fd: Int32
    private(set) var received: [UInt8] = []
    private(set) var closedByServer = false

    init(port: Int) throws {
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        var sendTimeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw HarnessError("connect to 127.0.0.1:\(port) failed: errno \(code)")
        }
    }

    deinit { disconnect() }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// The status code of the first response received, if any.
    var status: Int? {
        guard text.hasPrefix("HTTP/1.") else { return nil }
        let parts = text.split(separator: " ", maxSplits: 2)
        return parts.count >= 2 ? Int(parts[1]) : nil
    }

    /// Sends all of `text`; false when the server has closed the connection.
    @discardableResult
    func write(_ text: String) -> Bool {
        guard fd >= 0, !closedByServer else { return false }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            #if canImport(Glibc)
                let flags = Int32(MSG_NOSIGNAL)
            #else
                let flags: Int32 = 0
            #endif
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, flags) }
            if sent <= 0 {
                closedByServer = true
                return false
            }
            offset += sent
        }
        return true
    }

    /// Reads whatever has arrived without waiting; true once the server has closed.
    @discardableResult
    func poll() -> Bool {
        guard fd >= 0 else { return closedByServer }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !closedByServer {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                received += buffer[..<count]
            } else if count == 0 {
                closedByServer = true
            } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                break
            } else {
                closedByServer = true  // reset
            }
        }
        return closedByServer
    }

    /// Polls until the server closes or `timeout` passes; how long that took, nil on timeout.
    func waitUntilClosed(timeout: Duration) async -> Duration? {
        await IntegrationTests.poll(timeout: timeout, every: .milliseconds(20)) { self.poll() }
    }

    /// Polls until a whole response head has arrived (or the server closed, or `timeout`).
    func waitForResponseHead(timeout: Duration) async -> Bool {
        await IntegrationTests.poll(timeout: timeout, every: .milliseconds(10)) {
            self.poll()
            return self.text.contains("\r\n\r\n") || self.closedByServer
        } != nil && text.contains("\r\n\r\n")
    }

    func disconnect() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    /// `GET path` on a connection of its own that the server closes after answering (so no
    /// keep-alive connection is left behind to count against a cap); the whole answer's body.
    static func get(port: Int, _ path: String, timeout: Duration = .seconds(10)) async throws -> String {
        let socket = try HeldSocket(port: port)
        defer { socket.disconnect() }
        socket.write("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        guard await socket.waitUntilClosed(timeout: timeout) != nil else { throw HarnessError("GET \(path): no complete answer within \(timeout)") }
        guard let split = socket.text.range(of: "\r\n\r\n") else { throw HarnessError("GET \(path): no response: \(socket.text.prefix(300))") }
        return String(socket.text[split.upperBound...])
    }

    /// The sum of a metric's samples (labels given must match) in a Prometheus text body.
    static func metric(_ name: String, _ labels: [String: String] = [:], in text: String) -> Double {
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
            let rest = line.dropFirst(name.count)
            guard rest.first == "{" || rest.first == " " else { continue }
            if labels.allSatisfy({ rest.contains("\($0.key)=\"\($0.value)\"") }), let value = line.split(separator: " ").last.flatMap({ Double($0) }) {
                total += value
            }
        }
        return total
    }
}
