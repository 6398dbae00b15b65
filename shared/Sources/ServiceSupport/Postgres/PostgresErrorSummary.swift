import PostgresNIO

/// A one-line, human-readable account of a database error for logs and startup errors.
///
/// `PSQLError` hides everything behind a generic description on purpose, and its debug
/// description includes the query and its binds. This keeps what an operator needs (the server's
/// message and SQLSTATE, or the network error) and never a bound value.
public enum PostgresErrorSummary {
    public static func describe(_ error: any Error) -> String {
        switch error {
        case let error as PSQLError:
            return describe(error)
        case let error as PostgresTransactionError:
            if let failure = error.beginError ?? error.closureError ?? error.commitError {
                return describe(failure)
            }
            return "transaction failed"
        case let error as DeadlineExceeded:
            return error.description
        default:
            return String(describing: error)
        }
    }

    static func describe(_ error: PSQLError) -> String {
        if let info = error.serverInfo {
            let message = info[.message] ?? "server error"
            return info[.sqlState].map { "\(message) (SQLSTATE \($0))" } ?? message
        }
        switch error.code {
        case .connectionError:
            return "cannot connect" + (error.underlying.map { ": \($0)" } ?? "")
        case .serverClosedConnection:
            return "the server closed the connection"
        case .clientClosedConnection:
            return "the connection was closed"
        case .poolClosed:
            return "the database client is shut down"
        case .queryCancelled:
            return "the query was cancelled"
        default:
            return "database error \(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
        }
    }

    /// The SQLSTATE of a server error, looking inside transaction wrappers.
    public static func sqlState(_ error: any Error) -> String? {
        switch error {
        case let error as PSQLError:
            return error.serverInfo?[.sqlState]
        case let error as PostgresTransactionError:
            return (error.closureError ?? error.commitError ?? error.beginError).flatMap(sqlState)
        default:
            return nil
        }
    }
}
