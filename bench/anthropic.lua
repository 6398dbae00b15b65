-- wrk script for bench/anthropic.sh: the same typical chat (a system prompt, three turns, one tool)
-- as an OpenAI chat completion (BENCH_API=chat) or an Anthropic Messages request (BENCH_API=messages),
-- for BENCH_MODEL, streamed when BENCH_STREAM=true. BENCH_TOKEN is the key.
local token = os.getenv("BENCH_TOKEN") or "none"
local api = os.getenv("BENCH_API") or "chat"
local model = os.getenv("BENCH_MODEL") or "mock-echo"
local stream = os.getenv("BENCH_STREAM") or "false"
local system = string.rep("You are a careful assistant who answers briefly. ", 6)
local turns = '{"role":"user","content":"What should I pack for a weekend in Paris in spring?"},'
  .. '{"role":"assistant","content":"Layers: a light jacket, a sweater, comfortable shoes and an umbrella."},'
  .. '{"role":"user","content":"And if it rains the whole time? Give me three indoor ideas, briefly please."}'
local schema = '{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if api == "messages" then
  wrk.headers["x-api-key"] = token
  wrk.headers["anthropic-version"] = "2023-06-01"
  wrk.body = '{"model":"' .. model .. '","max_tokens":1024,"stream":' .. stream .. ',"system":"' .. system .. '",'
    .. '"tools":[{"name":"get_weather","description":"The weather of a city","input_schema":' .. schema .. '}],'
    .. '"messages":[' .. turns .. ']}'
else
  wrk.headers["Authorization"] = "Bearer " .. token
  wrk.body = '{"model":"' .. model .. '","max_completion_tokens":1024,"stream":' .. stream .. ','
    .. '"tools":[{"type":"function","function":{"name":"get_weather","description":"The weather of a city","parameters":' .. schema .. '}}],'
    .. '"messages":[{"role":"system","content":"' .. system .. '"},' .. turns .. ']}'
end

dofile("bench/result.lua")
