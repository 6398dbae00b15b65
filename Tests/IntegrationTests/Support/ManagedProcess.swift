import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child process with its standard output and error captured to files. Stopping is SIGTERM,
/// a bounded wait, then SIGKILL; every wait is polled with a deadline so no test can hang on it.
/// Children still running when the test binary exits are killed by an `atexit` handler.
final class ManagedProcess: @unchecked Sendable {
    let name: String
    /// How long `stop()` waits after SIGTERM before SIGKILL.
    let stopGrace: Duration
    let stdoutURL: URL
    let stderrURL: URL
    private let process: Process

    init(
        name: String, executable: URL, arguments: [String], environment: [String: String], directory: URL,
        stopGrace: Duration = .seconds(5)
    ) throws {
        self.name = name
        self.stopGrace = stopGrace
        let stem = name.replacingOccurrences(of: "/", with: "_") + "-" + UUID().uuidString.prefix(8)
        stdoutURL = directory.appendingPathComponent("\(stem).stdout")
        stderrURL = directory.appendingPathComponent("\(stem).stderr")
        FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: stdoutURL)
        let err = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? out.close()
            try? err.close()
        }
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        ChildRegistry.installExitHandler()
        try process.run()
        ChildRegistry.add(process.processIdentifier)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// The exit status (or terminating signal), nil while running.
    var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }
    var exitedBySignal: Bool { !process.isRunning && process.terminationReason == .uncaughtSignal }

    var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// The last lines of both streams, for failure messages.
    func logTail(maxCharacters: Int = 6_000) -> String {
        func tail(_ text: String) -> String {
            text.count > maxCharacters ? "...\n" + text.suffix(maxCharacters) : text
        }
        let state = isRunning ? "running" : "exited with \(process.terminationStatus)\(exitedBySignal ? " (signal)" : "")"
        return "--- \(name) (pid \(pid), \(state)) stderr:\n\(tail(stderr))\n--- \(name) stdout:\n\(tail(stdout))"
    }

    /// Waits for the process to exit, at most `timeout`; returns its status, or nil if still running.
    @discardableResult
    func waitForExit(timeout: Duration) async -> Int32? {
        await poll(timeout: timeout, every: .milliseconds(20)) { !process.isRunning }
        if !process.isRunning { ChildRegistry.remove(pid) }
        return exitStatus
    }

    /// SIGTERM, then SIGKILL after `grace` (default: `stopGrace`); always returns with the process
    /// gone (or after a last bounded wait if even SIGKILL was not reaped).
    func stop(grace: Duration? = nil) async {
        guard process.isRunning else {
            ChildRegistry.remove(pid)
            return
        }
        kill(pid, SIGTERM)
        if await waitForExit(timeout: grace ?? stopGrace) != nil { return }
        await forceKill()
    }

    /// SIGKILL at once (a crash, as far as the peers can tell).
    func forceKill() async {
        if process.isRunning { kill(pid, SIGKILL) }
        await waitForExit(timeout: .seconds(10))
    }
}

/// Pids of children still running, killed when the test binary exits (a failed `#require`, an
/// uncaught error or a timeout never leaves servers behind).
enum ChildRegistry {
    private static let pids = Mutex<Set<Int32>>([])
    private static let installed = Mutex(false)

    static func add(_ pid: Int32) { pids.withLock { _ = $0.insert(pid) } }
    static func remove(_ pid: Int32) { pids.withLock { _ = $0.remove(pid) } }

    static func installExitHandler() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        guard first else { return }
        atexit {
            for pid in ChildRegistry.pids.withLock({ $0 }) { kill(pid, SIGKILL) }
        }
    }
}
