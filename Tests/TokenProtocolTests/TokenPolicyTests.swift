import Foundation
import Testing
import TokenProtocol

@Suite struct TokenPolicyTests {
    static func sortedJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// The policy's claims are members of the introspection answer itself, as before the policy
    /// was its own type: byte for byte what the answer with the fields listed inline gave.
    @Test func claimsAreFlattenedIntoTheIntrospectionAnswer() throws {
        let answer = IntrospectionResponse(
            active: true, sub: "alice", jti: "tok_1", status: .active,
            policy: TokenPolicy(rateLimitRPM: 60, rateLimitTPM: 0, models: ["a/b"]))
        #expect(
            try Self.sortedJSON(answer)
                == #"{"active":true,"jti":"tok_1","models":["a/b"],"rate_limit_rpm":60,"rate_limit_tpm":0,"status":"active","sub":"alice"}"#
        )
        let decoded = try JSONDecoder().decode(IntrospectionResponse.self, from: Data(try Self.sortedJSON(answer).utf8))
        #expect(decoded == answer)
    }

    @Test func absentClaimsAreLeftOut() throws {
        #expect(try Self.sortedJSON(IntrospectionResponse.inactive(.revoked)) == #"{"active":false,"status":"revoked"}"#)
        #expect(try Self.sortedJSON(TokenPolicy()) == "{}")
        let decoded = try JSONDecoder().decode(IntrospectionResponse.self, from: Data(#"{"active":true}"#.utf8))
        #expect(decoded.policy == TokenPolicy())
    }

    @Test func aClaimOfTheWrongTypeIsADecodingError() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(IntrospectionResponse.self, from: Data(#"{"active":true,"rate_limit_rpm":"x"}"#.utf8))
        }
    }

    @Test(arguments: [
        (TokenPolicy(rateLimitRPM: -1), "rate_limit_rpm must be 0 (unlimited) or more"),
        (TokenPolicy(rateLimitTPM: -1), "rate_limit_tpm must be 0 (unlimited) or more"),
        (TokenPolicy(models: []), "models, when given, must name at least one model"),
        (TokenPolicy(models: ["ok", ""]), "each model must be 1 to 256 characters"),
        (TokenPolicy(models: [String(repeating: "m", count: 257)]), "each model must be 1 to 256 characters"),
    ])
    func invalidClaimsAreRefused(_ policy: TokenPolicy, _ message: String) {
        #expect(throws: TokenPolicy.Invalid(message: message)) { try policy.validate() }
    }

    @Test func validClaimsPass() throws {
        try TokenPolicy().validate()
        try TokenPolicy(rateLimitRPM: 0, rateLimitTPM: 10, models: ["gpt-4o-mini"]).validate()
        #expect(TokenPolicy(models: ["a"]).allows(model: "a"))
        #expect(!TokenPolicy(models: ["a"]).allows(model: "b"))
        #expect(TokenPolicy().allows(model: "anything"))
    }
}
