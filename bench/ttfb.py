#!/usr/bin/env python3
"""Time to first byte of a streaming chat completion, over N sequential requests on one keep-alive
connection. Prints JSON with p50/p99 in ms. Env: PORT, TOKEN, COUNT (default 500), MODEL (mock-echo)."""
import http.client
import json
import os
import time

port = int(os.environ["PORT"])
token = os.environ.get("TOKEN", "none")
count = int(os.environ.get("COUNT", "500"))
body = json.dumps({"model": os.environ.get("MODEL", "mock-echo"), "stream": True, "messages": [{"role": "user", "content": "hello from the benchmark"}]})
headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
conn = http.client.HTTPConnection("127.0.0.1", port)
samples = []
for index in range(count + 50):
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body=body, headers=headers)
    response = conn.getresponse()
    first = response.read1(1)
    ttfb = time.perf_counter() - start
    assert response.status == 200 and first, response.status
    response.read()
    if index >= 50:  # warm-up
        samples.append(ttfb * 1000)
samples.sort()
pick = lambda p: samples[min(len(samples) - 1, int(round(p / 100 * (len(samples) - 1))))]
print(json.dumps({"count": count, "p50_ms": round(pick(50), 3), "p99_ms": round(pick(99), 3)}))
