import Foundation
import Testing
import ServiceSupport
import TokenProtocol

@Suite struct IntrospectionWireTests {
    @Test func inactiveAnswerCarriesNothingButTheReason() throws {
        let json = try JSONEncoder().encode(IntrospectionResponse.inactive(.revoked))
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        #expect(object?.count == 2)
        #expect(object?["active"] as? Bool == false)
        #expect(object?["status"] as? String == "revoked")
    }

    @Test func activeAnswerUsesRFC7662FieldNames() throws {
        let response = IntrospectionResponse(
            active: true, scope: "chat embed", clientID: "team-a", username: "alice", sub: "alice",
            tokenType: "Bearer", exp: 2000, iat: 1000, jti: "tok_1", status: .active,
            policy: TokenPolicy(rateLimitRPM: 60, models: ["gpt-4o-mini"]))
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(response)) as? [String: Any]
        #expect(object?["client_id"] as? String == "team-a")
        #expect(object?["token_type"] as? String == "Bearer")
        #expect(object?["rate_limit_rpm"] as? Int == 60)
        #expect(object?["exp"] as? Int == 2000)
        let decoded = try JSONDecoder().decode(IntrospectionResponse.self, from: JSONEncoder().encode(response))
        #expect(decoded == response)
    }

    @Test func formEncodingRoundTrips() throws {
        let request = IntrospectionRequest(token: "ljq_a+b/c=d&e", tokenTypeHint: "access_token")
        let pairs = try FormEncoding.decode(Array(request.formEncoded.utf8))
        #expect(pairs.map(\.name) == ["token", "token_type_hint"])
        #expect(pairs[0].value == "ljq_a+b/c=d&e")
        #expect(try FormEncoding.decode(Array("a=1+2&b=%41".utf8)).map(\.value) == ["1 2", "A"])
    }

    @Test(arguments: ["token=%", "token=%4", "token=%zz", "token=%FF"])
    func badPercentEncodingIsAnError(_ body: String) {
        #expect(throws: FormEncoding.DecodingError.self) { try FormEncoding.decode(Array(body.utf8)) }
    }

    /// Separators, empty parts, `=` inside values and escapes, as RFC 6749 appendix B reads them.
    @Test func formDecodingEdgeCases() throws {
        func pairs(_ body: String) throws -> [String] {
            try FormEncoding.decode(Array(body.utf8)).map { "\($0.name)|\($0.value)" }
        }
        #expect(try pairs("") == [])
        #expect(try pairs("&&") == [])
        #expect(try pairs("a") == ["a|"])
        #expect(try pairs("=") == ["|"])
        #expect(try pairs("a=") == ["a|"])
        #expect(try pairs("a=b=c&a=d") == ["a|b=c", "a|d"])
        #expect(try pairs("%2B+x=%26%3d+") == ["+ x|&= "])
        #expect(try pairs("&t=%E6%A8%A1&") == ["t|模"])
        #expect(try FormEncoding.decode("a=1&b=%41".utf8).map(\.value) == ["1", "A"])
        #expect(throws: FormEncoding.DecodingError.invalidUTF8) { try FormEncoding.decode([UInt8(ascii: "a"), 0xFF]) }
        #expect(throws: FormEncoding.DecodingError.invalidUTF8) { try FormEncoding.decode(Array("t=%FF".utf8)) }
        #expect(throws: FormEncoding.DecodingError.invalidPercentEncoding) { try FormEncoding.decode(Array("t=%4&u=1".utf8)) }
    }
}
