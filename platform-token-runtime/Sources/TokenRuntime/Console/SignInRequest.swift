/// `POST /admin/session` body: the admin key, in the body (never in a URL).
struct SignInRequest: Decodable, Sendable {
    var adminKey: String

    enum CodingKeys: String, CodingKey {
        case adminKey = "admin_key"
    }
}
