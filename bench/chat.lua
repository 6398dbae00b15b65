-- wrk script: POST a small chat completion. BENCH_TOKEN (bearer), BENCH_STREAM ("true"/"false"), BENCH_MODEL (mock-echo).
local token = os.getenv("BENCH_TOKEN") or "none"
local stream = os.getenv("BENCH_STREAM") or "false"
local model = os.getenv("BENCH_MODEL") or "mock-echo"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"model":"' .. model .. '","stream":' .. stream .. ',"messages":[{"role":"user","content":"hello from the benchmark"}]}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d rps=%.1f\n",
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    summary.requests / (summary.duration / 1e6)))
end
