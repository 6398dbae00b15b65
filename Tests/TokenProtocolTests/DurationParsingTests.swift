import Testing
import ServiceSupport
import TokenProtocol

@Suite struct DurationParsingTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("30s", .seconds(30)), ("2m", .seconds(120)), ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)), ("1.5s", .milliseconds(1500)), (" 10s ", .seconds(10)), ("0s", .zero),
    ])
    func validDurations(_ text: String, _ expected: Duration) {
        #expect(DurationParsing.parse(text) == expected)
    }

    @Test(arguments: ["", "30", "s", "10x", "-5s", "1.2.3s", "5 s", "abc", "1e3s"])
    func invalidDurations(_ text: String) {
        #expect(DurationParsing.parse(text) == nil)
    }

    @Test func readerNamesTheVariableAndCollectsEveryError() {
        var env = EnvironmentReader(["A_TIMEOUT": "soon", "B_TIMEOUT": "0s", "C_COUNT": "many", "D_TIMEOUT": "5s"])
        #expect(env.duration("A_TIMEOUT", default: .seconds(1)) == .seconds(1))
        #expect(env.duration("B_TIMEOUT", default: .seconds(2)) == .seconds(2))
        #expect(env.int("C_COUNT", default: 3, range: 1...10) == 3)
        #expect(env.duration("D_TIMEOUT", default: .seconds(1)) == .seconds(5))
        #expect(env.duration("UNSET_TIMEOUT", default: .seconds(7)) == .seconds(7))
        #expect(env.errors.map(\.variable) == ["A_TIMEOUT", "B_TIMEOUT", "C_COUNT"])
        #expect(throws: ConfigurationErrors.self) { try env.validate() }
        #expect(env.errors[0].message.contains("30s"))
    }

    @Test func choiceIsCaseInsensitiveAndListsAllowedValues() {
        var env = EnvironmentReader(["MODE": "Remote", "OTHER": "nope"])
        #expect(env.choice("MODE", default: "local", allowed: ["local", "remote"]) == "remote")
        _ = env.choice("OTHER", default: "local", allowed: ["local", "remote"])
        #expect(env.errors.count == 1)
        #expect(env.errors[0].message.contains("local, remote"))
    }
}
