import ServiceSupport
import Metrics
import Prometheus

/// A fresh Prometheus-backed metrics factory per test, so tests never share counters.
func TestMetricsFactory() -> PrometheusMetricsFactory {
    PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
}
