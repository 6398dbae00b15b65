import Testing
import ServiceSupport
import TokenProtocol

@Suite struct AuthorizationHeaderTests {
    @Test(arguments: [
        ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER abc", "abc"), ("bEaReR   abc def", "abc def"),
        ("Bearer  ", ""),
    ])
    func theSchemeIsMatchedWithoutRegardToCase(_ header: String, _ credentials: String) {
        #expect(AuthorizationHeader.credentials(header, scheme: "bearer") == Substring(credentials))
    }

    @Test(arguments: ["Bearer", "Bearer ", "Bearerabc", "Bearer_abc", "Basic abc", "Bearér abc", "xBearer abc", "", "Bear"])
    func otherSchemesAndBareSchemesAreNotBearer(_ header: String) {
        #expect(AuthorizationHeader.credentials(header, scheme: "bearer") == nil)
    }

    @Test func basicIsItsOwnScheme() {
        #expect(AuthorizationHeader.credentials("Basic dTpw", scheme: "basic") == "dTpw")
        #expect(AuthorizationHeader.credentials("Bearer dTpw", scheme: "basic") == nil)
    }
}
