import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the built `gateway` and `platform-token-runtime` executables are: the directory of the
/// test binary under `swift test` (SwiftPM puts products side by side), or `LJQ_BIN_DIR`.
enum Executables {
    static let gateway = "gateway"
    static let runtime = "platform-token-runtime"

    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["LJQ_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir, isDirectory: true)
        }
        var binary = URL(fileURLWithPath: CommandLine.arguments[0])
        // On Darwin the test binary sits inside a bundle: <dir>/X.xctest/Contents/MacOS/X.
        while binary.path.contains(".xctest/") { binary.deleteLastPathComponent() }
        return binary.deletingLastPathComponent()
    }

    /// The executable's URL, or a clear error when it has not been built.
    static func url(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw HarnessError(
                "\(name) not found in \(directory.path): build it with `swift build --build-tests` "
                    + "(or point LJQ_BIN_DIR at the folder that has it)")
        }
        return url
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Free TCP ports on 127.0.0.1: bound to port 0 by the kernel, then released. A port handed out is
/// never handed out again by this process, so scenarios running in parallel do not collide; a
/// server that still loses a race for its port is restarted on another (see `TestStack`).
enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    static func next() throws -> Int {
        for _ in 0..<50 {
            let port = try bindEphemeral()
            let fresh = handedOut.withLock { $0.insert(port).inserted }
            if fresh { return port }
        }
        throw HarnessError("could not find a free port on 127.0.0.1")
    }

    private static func bindEphemeral() throws -> Int {
        #if canImport(Glibc)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw HarnessError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw HarnessError("bind() failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HarnessError("getsockname() failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Whether process `pid` is the one listening on 127.0.0.1:`port` (Linux: from /proc; elsewhere
/// assumed). Between a free port being picked and a child binding it, another server (a test in
/// this very process binding port 0, say) may take it: a 200 from the port then proves nothing.
enum PortOwner {
    static func isListening(pid: Int32, port: Int) -> Bool {
        #if os(Linux)
            guard let table = try? String(contentsOfFile: "/proc/net/tcp", encoding: .utf8) else { return true }
            let suffix = ":" + String(format: "%04X", port)
            var inodes: Set<Substring> = []
            for line in table.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                // sl local_address rem_address st ... inode (10th field); st 0A is LISTEN.
                guard fields.count > 9, fields[3] == "0A", fields[1].hasSuffix(suffix) else { continue }
                inodes.insert(fields[9])
            }
            guard !inodes.isEmpty else { return false }
            let directory = "/proc/\(pid)/fd"
            guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return true }
            return descriptors.contains { descriptor in
                guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + descriptor),
                    target.hasPrefix("socket:[")
                else { return false }
                return inodes.contains(target.dropFirst(8).dropLast())
            }
        #else
            return true
        #endif
    }
}

/// Polls `condition` every `interval` until it holds or `timeout` has passed. Returns the time it
/// took, or nil when the deadline passed first.
@discardableResult
func poll(
    timeout: Duration, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async rethrows -> Duration? {
    let start = ContinuousClock.now
    let deadline = start + timeout
    while true {
        if try await condition() { return ContinuousClock.now - start }
        if ContinuousClock.now >= deadline { return nil }
        try? await Task.sleep(for: interval)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
