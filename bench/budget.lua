-- wrk script: POST a small chat completion with max_tokens 2 (its worst case is known). BENCH_TOKEN (bearer).
local token = os.getenv("BENCH_TOKEN") or "none"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"model":"mock-echo","max_tokens":2,"messages":[{"role":"user","content":"hello there"}]}'

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d errors=%d non2xx=%d p50_us=%d p99_us=%d rps=%.1f\n",
    summary.requests, summary.duration, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, latency:percentile(50), latency:percentile(99), summary.requests / (summary.duration / 1e6)))
end
