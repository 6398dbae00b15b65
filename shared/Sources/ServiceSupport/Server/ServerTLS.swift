import NIOSSL

/// Reading certificates and keys at startup, each failure naming its variable.
public enum ServerTLS {
    /// A server TLS configuration from PEM files: `certFile` holds the certificate chain (leaf
    /// first), `keyFile` its private key. Nil when neither variable is set; setting only one is
    /// an error, and so is a file that cannot be read or parsed, or a key that does not match.
    public static func load(certVariable: String, keyVariable: String, from env: inout EnvironmentReader) -> TLSConfiguration? {
        let certPath = env.raw(certVariable)
        let keyPath = env.raw(keyVariable)
        guard certPath != nil || keyPath != nil else { return nil }
        guard let certPath, let keyPath else {
            env.fail(certPath == nil ? certVariable : keyVariable, "required with \(certPath == nil ? keyVariable : certVariable) (serving HTTPS needs both)")
            return nil
        }
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certPath)
        } catch {
            env.fail(certVariable, "cannot read a PEM certificate from \(certPath): \(error)")
            return nil
        }
        guard !chain.isEmpty else {
            env.fail(certVariable, "no certificate in \(certPath)")
            return nil
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            env.fail(keyVariable, "cannot read a PEM private key from \(keyPath): \(error)")
            return nil
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            env.fail(keyVariable, "does not fit the certificate in \(certPath): \(error)")
            return nil
        }
        return configuration
    }

    /// Trust roots from a PEM file of CA certificates (`variable` names it), or the system's
    /// trust store when `path` is nil.
    public static func clientConfiguration(caFile path: String?, variable: String, env: inout EnvironmentReader) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        guard let path else { return configuration }
        do {
            let roots = try NIOSSLCertificate.fromPEMFile(path)
            guard !roots.isEmpty else {
                env.fail(variable, "no certificate in \(path)")
                return configuration
            }
            configuration.trustRoots = .certificates(roots)
        } catch {
            env.fail(variable, "cannot read PEM CA certificates from \(path): \(error)")
        }
        return configuration
    }
}
