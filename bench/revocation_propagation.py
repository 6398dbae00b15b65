#!/usr/bin/env python3
"""Revocation propagation: how long after a revocation does the gateway refuse the token?

For each of N tokens: issue it at the runtime, use it once through the gateway (so the gateway caches
it as active for its 30 s TTL), revoke it through the admin API, then send requests through the
gateway until one is refused (401). The figure is the time from the revoke call's answer to the
first refusal (the polling requests themselves take ~0.2 ms each). Prints JSON.
"""
import http.client
import json
import os
import statistics
import sys
import time

runtime_port = int(os.environ["RUNTIME_PORT"])
gateway_port = int(os.environ["GATEWAY_PORT"])
admin = os.environ["ADMIN_KEY"]
count = int(os.environ.get("COUNT", "1000"))

runtime = http.client.HTTPConnection("127.0.0.1", runtime_port)
gateway = http.client.HTTPConnection("127.0.0.1", gateway_port)


def call(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    data = response.read()
    return response.status, data


delays = []
polls = []
for _ in range(count):
    status, data = call(runtime, "POST", "/v1/tokens", json.dumps({"subject": "bench"}),
                        {"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    assert status == 201, (status, data)
    issued = json.loads(data)
    auth = {"Authorization": "Bearer " + issued["token"]}
    status, _ = call(gateway, "GET", "/v1/models", headers=auth)
    assert status == 200, status
    status, _ = call(runtime, "POST", "/v1/tokens/%s/revoke" % issued["id"], headers={"Authorization": "Bearer " + admin})
    assert status == 200
    revoked = time.perf_counter()
    attempts = 0
    while True:
        attempts += 1
        status, _ = call(gateway, "GET", "/v1/models", headers=auth)
        if status == 401:
            break
        assert status == 200, status
        if time.perf_counter() - revoked > 35:
            raise SystemExit("token still accepted 35 s after revocation")
    delays.append((time.perf_counter() - revoked) * 1000)
    polls.append(attempts)

delays.sort()
def pct(p):
    return delays[min(len(delays) - 1, int(round(p / 100 * (len(delays) - 1))))]

print(json.dumps({
    "revocations": count,
    "p50_ms": round(pct(50), 3), "p90_ms": round(pct(90), 3), "p99_ms": round(pct(99), 3), "max_ms": round(delays[-1], 3),
    "mean_ms": round(statistics.mean(delays), 3),
    "refused_on_first_request": sum(1 for a in polls if a == 1),
}))
