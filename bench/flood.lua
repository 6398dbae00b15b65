-- wrk script: a flood of distinct forged tokens (one file line each, cycled), POSTing a chat
-- completion. FLOOD_TOKENS: the file (bench/forged_tokens.py). FLOOD_FORWARDED_FOR: sent as
-- X-Forwarded-For ("random": a different 198.18.x.y per request, a distributed flood).
local path = os.getenv("FLOOD_TOKENS")
local forwarded = os.getenv("FLOOD_FORWARDED_FOR")
local tokens = {}
for line in io.lines(path) do tokens[#tokens + 1] = line end
local index = 0
local body = '{"model":"mock-echo","messages":[{"role":"user","content":"hello from the flood"}]}'

init = function(args) index = math.random(#tokens) end

request = function()
  index = index % #tokens + 1
  local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[index] }
  if forwarded == "random" then
    headers["X-Forwarded-For"] = string.format("198.18.%d.%d", math.random(0, 255), math.random(1, 254))
  elseif forwarded and forwarded ~= "" then
    headers["X-Forwarded-For"] = forwarded
  end
  return wrk.format("POST", "/v1/chat/completions", headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("FLOOD requests=%d rps=%.1f errors=%d\n", summary.requests, summary.requests / (summary.duration / 1e6),
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
