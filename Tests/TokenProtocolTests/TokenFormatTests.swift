import Testing
import ServiceSupport
import TokenProtocol

@Suite struct TokenFormatTests {
    @Test func generatedTokensAreWellFormedAndDistinct() {
        var seen = Set<String>()
        for _ in 0..<1000 {
            let token = TokenFormat.generate()
            #expect(token.hasPrefix("ljq_"))
            #expect(token.utf8.count == TokenFormat.length)
            #expect(TokenFormat.isWellFormed(token))
            seen.insert(token)
        }
        #expect(seen.count == 1000)
    }

    @Test func everySingleCharacterTypoIsCaught() {
        let token = TokenFormat.generate()
        var caught = 0
        var total = 0
        let chars = Array(token)
        for index in TokenFormat.prefix.count..<chars.count {
            var changed = chars
            changed[index] = chars[index] == "a" ? "b" : "a"
            total += 1
            if !TokenFormat.isWellFormed(String(changed)) { caught += 1 }
        }
        #expect(caught == total)
    }

    @Test(arguments: [
        "", "ljq_", "Bearer", "sk-1234567890", "ljq_" + String(repeating: "a", count: 49),
        "xyz_" + String(repeating: "a", count: 49),
    ])
    func malformedTokensAreRejected(_ token: String) {
        #expect(!TokenFormat.isWellFormed(token))
    }

    @Test func nonBase62CharactersAreRejectedEvenWithTheRightLength() {
        var chars = Array(TokenFormat.generate())
        chars[10] = "-"
        #expect(!TokenFormat.isWellFormed(String(chars)))
    }

    @Test func digestRoundTripsThroughHex() {
        let digest = TokenDigest(token: "ljq_example")
        #expect(digest.hex.count == 64)
        #expect(TokenDigest(hex: digest.hex) == digest)
        #expect(TokenDigest(hex: digest.hex.uppercased()) == digest)
        #expect(TokenDigest(hex: "zz") == nil)
        // SHA-256("abc"), the FIPS 180-2 test vector.
        #expect(TokenDigest(token: "abc").hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
