import AsyncHTTPClient
import Foundation
import NIOSSL

/// A throwaway PKI made with the `openssl` CLI in a test's folder: a CA, a server certificate it
/// signed for 127.0.0.1 and localhost, and a rogue CA with a server certificate of its own (the
/// same names, a signature the first CA never made). Keys exist only for the test's lifetime;
/// none is committed. ``client`` trusts the first CA; call ``shutdown()`` when done.
final class TestCertificates: Sendable {
    enum Leaf: Sendable { case server, rogue }

    let directory: URL
    let client: HTTPClient

    var caFile: URL { directory.appendingPathComponent("ca.pem") }

    func certificate(_ leaf: Leaf) -> URL { directory.appendingPathComponent("\(leaf).pem") }
    func key(_ leaf: Leaf) -> URL { directory.appendingPathComponent("\(leaf).key") }

    /// Reaches HTTPS servers without verifying them (readiness of a server with a rogue certificate).
    static let unverifiedClient: HTTPClient = {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }()

    init(in parent: URL) throws {
        directory = parent.appendingPathComponent("pki")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Self.makeCA("ca", in: directory)
        try Self.makeLeaf("server", signedBy: "ca", in: directory)
        try Self.makeCA("rogue-ca", in: directory)
        try Self.makeLeaf("rogue", signedBy: "rogue-ca", in: directory)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(directory.appendingPathComponent("ca.pem").path)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    private static func makeCA(_ name: String, in directory: URL) throws {
        try openssl(
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(name).key",
                "-out", "\(name).pem", "-days", "2", "-subj", "/CN=lijiaoqiao test \(name)",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                "-addext", "subjectKeyIdentifier=hash",
            ], in: directory)
    }

    private static func makeLeaf(_ name: String, signedBy ca: String, in directory: URL) throws {
        try openssl(
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "\(name).key",
                "-out", "\(name).csr", "-subj", "/CN=127.0.0.1",
            ], in: directory)
        let extensions = """
            basicConstraints=critical,CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            subjectAltName=IP:127.0.0.1,DNS:localhost
            subjectKeyIdentifier=hash
            authorityKeyIdentifier=keyid,issuer
            """
        try extensions.write(to: directory.appendingPathComponent("\(name).ext"), atomically: true, encoding: .utf8)
        try openssl(
            [
                "x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).pem", "-CAkey", "\(ca).key", "-CAcreateserial",
                "-out", "\(name).pem", "-days", "2", "-extfile", "\(name).ext",
            ], in: directory)
    }

    private static func openssl(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("openssl.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw HarnessError("cannot run openssl (install it: apt-get install openssl): \(error)")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw HarnessError("openssl \(arguments.joined(separator: " ")) failed:\n\(output.suffix(2_000))")
        }
    }
}
