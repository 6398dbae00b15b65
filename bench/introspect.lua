-- wrk script for bench/introspect.sh: POST /v1/introspect (RFC 7662) with one issued token.
-- The token and the introspection secret come from the environment (INTROSPECT_TOKEN,
-- INTROSPECT_SECRET) so nothing secret sits in this file. done() prints one machine-readable
-- RESULT line (latencies in microseconds) that introspect.sh parses.
-- INTROSPECT_METHOD=GET sends a bodiless GET to the URL instead (for a baseline such as /healthz).
local token = os.getenv("INTROSPECT_TOKEN")
local secret = os.getenv("INTROSPECT_SECRET")
if token == nil or token == "" or secret == nil or secret == "" then
  io.stderr:write("introspect.lua: set INTROSPECT_TOKEN and INTROSPECT_SECRET\n")
  os.exit(2)
end

if os.getenv("INTROSPECT_METHOD") == "GET" then
  wrk.method = "GET"
else
  wrk.method = "POST"
  wrk.body = "token=" .. token -- base62 + "ljq_": nothing to percent-encode
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Bearer " .. secret
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, latency.mean,
    e.connect, e.read, e.write, e.status, e.timeout))
end
