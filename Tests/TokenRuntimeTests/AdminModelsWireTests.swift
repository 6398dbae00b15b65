import Foundation
import Hummingbird
import Testing
import TokenProtocol

@testable import TokenRuntime

/// The admin API's JSON keeps its shape now that the policy claims are a ``TokenPolicy``: the
/// claims are members of the request and view objects themselves.
@Suite struct AdminModelsWireTests {
    @Test func issueRequestReadsTheClaimsAtTheTopLevel() throws {
        let json = #"{"subject":"alice","ttl_seconds":60,"scopes":["chat"],"client_id":"c","rate_limit_rpm":5,"rate_limit_tpm":7,"models":["m"]}"#
        let request = try JSONBody.decode(IssueTokenRequest.self, from: ByteBuffer(string: json))
        #expect(
            request
                == IssueTokenRequest(
                    subject: "alice", ttlSeconds: 60, scopes: ["chat"], clientID: "c",
                    policy: TokenPolicy(rateLimitRPM: 5, rateLimitTPM: 7, models: ["m"])))
        let written = String(decoding: try JSONBody.encoder.encode(request), as: UTF8.self)
        #expect(
            written
                == #"{"client_id":"c","models":["m"],"rate_limit_rpm":5,"rate_limit_tpm":7,"scopes":["chat"],"subject":"alice","ttl_seconds":60}"#
        )
        let minimal = try JSONBody.decode(IssueTokenRequest.self, from: ByteBuffer(string: #"{"subject":"bob"}"#))
        #expect(minimal == IssueTokenRequest(subject: "bob"))
        #expect(String(decoding: try JSONBody.encoder.encode(minimal), as: UTF8.self) == #"{"subject":"bob"}"#)
    }

    @Test func viewAndIssuedTokenKeepTheirShape() throws {
        let record = TokenRecord(
            id: "tok_1", digest: TokenDigest(token: "t"), subject: "alice", clientID: "c", scopes: ["chat"], issuedAt: 10,
            expiresAt: 20, policy: TokenPolicy(rateLimitRPM: 1, models: ["m"]))
        let issued = IssuedToken(token: "ljq_x", view: TokenView(record, now: 15))
        let json = String(decoding: try JSONBody.encoder.encode(issued), as: UTF8.self)
        #expect(
            json
                == #"{"client_id":"c","expires_at":20,"id":"tok_1","issued_at":10,"models":["m"],"rate_limit_rpm":1,"scopes":["chat"],"status":"active","subject":"alice","token":"ljq_x"}"#
        )
        #expect(try JSONDecoder().decode(IssuedToken.self, from: Data(json.utf8)) == issued)
        let bare = TokenView(TokenRecord(id: "tok_2", digest: TokenDigest(token: "u"), subject: "bob", issuedAt: 1, expiresAt: 2), now: 3)
        #expect(
            String(decoding: try JSONBody.encoder.encode(bare), as: UTF8.self)
                == #"{"expires_at":2,"id":"tok_2","issued_at":1,"scopes":[],"status":"expired","subject":"bob"}"#)
    }
}
