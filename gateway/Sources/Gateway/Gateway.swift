/// The gateway library: the OpenAI-compatible entry point (grown in the following issues).
public enum GatewayInfo {
    public static let name = "gateway"
}
