/// Joins a configured base URL (`http://host:port`, with or without trailing slashes) and a path
/// that starts with `/`: one place for the trimming every outbound client needs.
public enum ServiceURL {
    public static func join(_ base: String, _ path: String) -> String {
        var base = Substring(base)
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}
