import ServiceSupport
import Crypto
import Foundation

/// Provider API keys at rest: `enc:v1:` + base64(nonce | ciphertext | tag), AES-256-GCM under
/// `PASSWORD_ENCRYPTION_KEY` (exactly 32 bytes). `gateway encrypt-secret` makes such values.
public enum SecretBox {
    public static let prefix = "enc:v1:"

    public enum Failure: Error, Equatable, Sendable {
        case keyLength(Int)
        case malformed
        case wrongKey
    }

    public static func isEncrypted(_ value: String) -> Bool { value.hasPrefix(prefix) }

    public static func encrypt(_ plaintext: String, key: [UInt8]) throws(Failure) -> String {
        let symmetric = try symmetricKey(key)
        guard let sealed = try? AES.GCM.seal(Data(plaintext.utf8), using: symmetric), let combined = sealed.combined else {
            throw .malformed
        }
        return prefix + combined.base64EncodedString()
    }

    public static func decrypt(_ value: String, key: [UInt8]) throws(Failure) -> String {
        let symmetric = try symmetricKey(key)
        guard value.hasPrefix(prefix), let data = Data(base64Encoded: String(value.dropFirst(prefix.count))),
            let box = try? AES.GCM.SealedBox(combined: data)
        else { throw .malformed }
        guard let plain = try? AES.GCM.open(box, using: symmetric), let text = String(data: plain, encoding: .utf8) else {
            throw .wrongKey
        }
        return text
    }

    static func symmetricKey(_ key: [UInt8]) throws(Failure) -> SymmetricKey {
        guard key.count == 32 else { throw .keyLength(key.count) }
        return SymmetricKey(data: key)
    }
}
