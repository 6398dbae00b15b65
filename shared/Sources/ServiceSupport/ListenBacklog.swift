/// The listen backlog of every server here (gateway, runtime, mock upstream): how many connections
/// the kernel queues for `accept` while the process is busy. Hummingbird's default (256) overflows
/// when a burst of clients connects faster than a loaded 2-core machine accepts (a thousand new
/// streams in a second), and a dropped SYN costs that client a 1 s retransmission, or a provider
/// connection its whole dial timeout. nginx asks for 511, Go for the kernel's maximum; the kernel
/// caps this at `net.core.somaxconn` (4096 on current Linux).
public enum ListenBacklog {
    public static let connections = 4096
}
