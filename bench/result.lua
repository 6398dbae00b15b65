-- wrk `done` for every bench script: one RESULT line the shell scripts read with `field` (bench/lib.sh).
-- Load it with dofile("bench/result.lua") (wrk runs from the repository root in every script).
done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d rps=%.1f\n",
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    summary.requests / (summary.duration / 1e6)))
end
