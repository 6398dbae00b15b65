import Foundation
import Testing

/// Placeholder until the end-to-end suite lands: the built executables exist next to the tests.
@Suite struct ExecutablesTests {
    @Test func bothExecutablesAreBuilt() {
        let bin = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for name in ["gateway", "platform-token-runtime"] {
            #expect(FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent(name).path), "\(name) missing in \(bin.path)")
        }
    }
}
