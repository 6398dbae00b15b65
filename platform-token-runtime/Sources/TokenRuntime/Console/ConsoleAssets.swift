import Foundation
import NIOCore

/// The console's files (HTML, CSS, JavaScript, the icon), package resources of this module
/// (`Console/Assets`, copied by SwiftPM next to the executable), read once into memory. Only
/// the files named in ``files`` are ever served: no path from a request reaches the file system.
struct ConsoleAssets: Sendable {
    struct Asset: Sendable {
        var body: ByteBuffer
        var contentType: String
    }

    /// Served name -> content type.
    static let files: [(name: String, contentType: String)] = [
        ("index.html", "text/html; charset=utf-8"),
        ("console.css", "text/css; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("charts.js", "text/javascript; charset=utf-8"),
        ("pages.js", "text/javascript; charset=utf-8"),
        ("app.js", "text/javascript; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ]

    let assets: [String: Asset]

    subscript(name: String) -> Asset? { assets[name] }

    /// Reads every file of ``files``; a missing one is an empty body (logged by the caller).
    static func load() -> (ConsoleAssets, missing: [String]) {
        let folder = Bundle.module.url(forResource: "Assets", withExtension: nil)
        var assets: [String: Asset] = [:]
        var missing: [String] = []
        for file in files {
            if let folder, let data = try? Data(contentsOf: folder.appendingPathComponent(file.name)) {
                assets[file.name] = Asset(body: ByteBuffer(bytes: data), contentType: file.contentType)
            } else {
                missing.append(file.name)
                assets[file.name] = Asset(body: ByteBuffer(), contentType: file.contentType)
            }
        }
        return (ConsoleAssets(assets: assets), missing)
    }

    /// Loaded once per process.
    static let shared = load()
}
