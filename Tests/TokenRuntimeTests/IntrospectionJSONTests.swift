import Foundation
import Hummingbird
import Testing
import ServiceSupport
import TokenProtocol

@testable import TokenRuntime

/// The hand-written introspection JSON must be what JSONEncoder (the runtime's `JSONBody`
/// settings) writes, byte for byte, except that the policy claims follow the answer's own fields
/// instead of being sorted in among them: every client decoding it sees the same document.
@Suite struct IntrospectionJSONTests {
    /// JSONEncoder's bytes for the answer without its policy, then JSONEncoder's bytes for the
    /// policy alone as further members of the same object.
    static func encoderBytes(_ answer: IntrospectionResponse) throws -> [UInt8] {
        var core = answer
        core.policy = TokenPolicy()
        var bytes = Array(try JSONBody.encoder.encode(core))
        let policy = Array(try JSONBody.encoder.encode(answer.policy))
        if policy.count > 2 {
            bytes.removeLast()
            bytes += [UInt8(ascii: ",")] + policy.dropFirst()
        }
        return bytes
    }

    static func writerBytes(_ answer: IntrospectionResponse) -> [UInt8] {
        Array(IntrospectionJSON.encode(answer).readableBytesView)
    }

    static let full: IntrospectionResponse = {
        var answer = IntrospectionResponse(active: true)
        answer.scope = "chat:write models:read"
        answer.clientID = "team-a"
        answer.username = "alice"
        answer.sub = "user-42"
        answer.tokenType = "Bearer"
        answer.exp = 1_796_029_186
        answer.iat = 1_795_942_785
        answer.nbf = -5
        answer.aud = "https://gateway.example/v1"
        answer.iss = "platform-token-runtime"
        answer.jti = "tok_5ec509f502471b8055599fda"
        answer.status = .active
        answer.policy = TokenPolicy(rateLimitRPM: 600, rateLimitTPM: 0, models: ["gpt-4o-mini", "text-embedding-3-small"])
        return answer
    }()

    @Test func everyFieldSetMatchesJSONEncoder() throws {
        #expect(Self.writerBytes(Self.full) == (try Self.encoderBytes(Self.full)))
    }

    @Test(arguments: [TokenStatus.expired, .revoked, .unknown])
    func inactiveAnswersMatchJSONEncoder(_ status: TokenStatus) throws {
        var answer = IntrospectionResponse(active: false)
        answer.status = status
        #expect(Self.writerBytes(answer) == (try Self.encoderBytes(answer)))
        #expect(Self.writerBytes(IntrospectionResponse(active: false)) == Array(#"{"active":false}"#.utf8))
    }

    /// Each optional field alone, then with an empty value (empty model list included).
    @Test func eachFieldAloneMatchesJSONEncoder() throws {
        let setters: [(inout IntrospectionResponse) -> Void] = [
            { $0.scope = "" }, { $0.clientID = "c" }, { $0.username = "" }, { $0.sub = "s" }, { $0.tokenType = "Bearer" },
            { $0.exp = Int64.max }, { $0.iat = Int64.min }, { $0.nbf = 0 }, { $0.aud = "" }, { $0.iss = "i" }, { $0.jti = "j" },
            { $0.status = .active }, { $0.policy.rateLimitRPM = Int(Int32.max) }, { $0.policy.rateLimitTPM = 1 },
            { $0.policy.models = [] }, { $0.policy.models = ["only"] }, { $0.policy.maxBudget = NanoUSD(12_500_000_000) },
            { $0.policy.maxBudget = .zero }, { $0.policy.maxBudget = NanoUSD(1) }, { $0.policy.maxBudget = NanoUSD(Int64.max) },
            { $0.policy.budgetPeriod = .month },
        ]
        for (index, set) in setters.enumerated() {
            var answer = IntrospectionResponse(active: true)
            set(&answer)
            #expect(Self.writerBytes(answer) == (try Self.encoderBytes(answer)), "setter \(index)")
        }
    }

    /// Every ASCII character (controls, quote, backslash, slash, DEL) and non-ASCII text, in
    /// every string field and in the model list.
    @Test func escapingMatchesJSONEncoderForEveryCharacter() throws {
        var samples = (0..<0x80).map { String(UnicodeScalar(UInt8($0))) }
        samples += ["é", "模型", "🚀", "\u{2028}\u{2029}", "a\"b\\c/d\u{0}e", "tail\u{1F}", "\r\n\t\u{8}\u{C}"]
        for sample in samples {
            var answer = Self.full
            answer.scope = sample
            answer.clientID = "x" + sample
            answer.username = sample + "y"
            answer.sub = sample
            answer.tokenType = sample
            answer.aud = sample
            answer.iss = sample
            answer.jti = sample
            answer.policy.models = [sample, "m" + sample]
            let written = Self.writerBytes(answer)
            let encoded = try Self.encoderBytes(answer)
            #expect(written == encoded, "character \(sample.unicodeScalars.map { $0.value })")
        }
    }

    /// A budget among the other claims: `max_budget_usd` is the exact decimal number JSONEncoder
    /// writes for the amount's `Decimal`, and decodes back to the same amount.
    @Test(arguments: ["12.5", "0.000000001", "1234567.123456789", "100", "0"])
    func budgetClaimsMatchJSONEncoder(_ dollars: String) throws {
        var answer = Self.full
        answer.policy.maxBudget = NanoUSD(decimalUSD: dollars)
        answer.policy.budgetPeriod = .day
        let written = Self.writerBytes(answer)
        #expect(written == (try Self.encoderBytes(answer)))
        #expect(String(decoding: written, as: UTF8.self).contains("\"max_budget_usd\":\(dollars),"))
        #expect(try JSONDecoder().decode(IntrospectionResponse.self, from: Data(written)) == answer)
    }

    @Test func writtenAnswerDecodesToTheSameValue() throws {
        let decoded = try JSONDecoder().decode(IntrospectionResponse.self, from: Data(Self.writerBytes(Self.full)))
        #expect(decoded == Self.full)
        #expect(try JSONSerialization.jsonObject(with: Data(Self.writerBytes(Self.full))) is [String: Any])
    }

    /// Without policy claims the answer is exactly JSONEncoder's (the benchmark checks this too).
    @Test func answerWithoutPolicyIsJSONEncoders() throws {
        var answer = Self.full
        answer.policy = TokenPolicy()
        #expect(Self.writerBytes(answer) == Array(try JSONBody.encoder.encode(answer)))
    }
}
