import TestSupport

/// The PostgreSQL server of the token store tests (TestSupport's `PostgresTestDatabase`: the URL
/// from `LJQ_TEST_DATABASE_URL`, throwaway schemas, clients, services): schemas `t_<label>_<n>`,
/// clients of up to 8 connections.
enum TestDatabase: PostgresTestDatabase {
    static let schemaPrefix = "t_"
    static let connectTimeout: Duration = .seconds(2)
    static let maximumConnections = 8
}
