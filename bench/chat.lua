-- wrk script: POST a small chat completion. BENCH_TOKEN (bearer), BENCH_STREAM ("true"/"false"), BENCH_MODEL (mock-echo).
local token = os.getenv("BENCH_TOKEN") or "none"
local stream = os.getenv("BENCH_STREAM") or "false"
local model = os.getenv("BENCH_MODEL") or "mock-echo"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"model":"' .. model .. '","stream":' .. stream .. ',"messages":[{"role":"user","content":"hello from the benchmark"}]}'

dofile("bench/result.lua")
