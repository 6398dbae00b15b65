#!/usr/bin/env python3
"""Cache hit ratio of a steady workload while other tokens are being revoked.

50 steady tokens are used round-robin for 3,000 requests; every 15th request another (cached) token
is revoked at the runtime and used once more. The hit ratio is read from the gateway's own
gateway_token_cache_{hits,misses}_total counters around the workload. Prints JSON.
"""
import http.client
import json
import os
import re

runtime_port = int(os.environ["RUNTIME_PORT"])
gateway_port = int(os.environ["GATEWAY_PORT"])
admin = os.environ["ADMIN_KEY"]
runtime = http.client.HTTPConnection("127.0.0.1", runtime_port)
gateway = http.client.HTTPConnection("127.0.0.1", gateway_port)


def call(conn, method, path, body=None, headers=None):
    conn.request(method, path, body=body, headers=headers or {})
    response = conn.getresponse()
    return response.status, response.read()


def issue():
    status, data = call(runtime, "POST", "/v1/tokens", json.dumps({"subject": "load"}),
                        {"Authorization": "Bearer " + admin, "Content-Type": "application/json"})
    assert status == 201
    return json.loads(data)


def counters():
    _, text = call(gateway, "GET", "/metrics")
    text = text.decode()
    def value(name):
        match = re.search(r"^%s (\S+)$" % name, text, re.M)
        return float(match.group(1)) if match else 0.0
    return value("gateway_token_cache_hits_total"), value("gateway_token_cache_misses_total")


steady = [issue() for _ in range(50)]
doomed = [issue() for _ in range(200)]
for token in steady + doomed:
    assert call(gateway, "GET", "/v1/models", headers={"Authorization": "Bearer " + token["token"]})[0] == 200

hits0, misses0 = counters()
refused = 0
for index in range(3000):
    token = steady[index % len(steady)]
    assert call(gateway, "GET", "/v1/models", headers={"Authorization": "Bearer " + token["token"]})[0] == 200
    if index % 15 == 0 and doomed:
        victim = doomed.pop()
        call(runtime, "POST", "/v1/tokens/%s/revoke" % victim["id"], headers={"Authorization": "Bearer " + admin})
        status, _ = call(gateway, "GET", "/v1/models", headers={"Authorization": "Bearer " + victim["token"]})
        refused += status == 401
hits1, misses1 = counters()
hits, misses = hits1 - hits0, misses1 - misses0
print(json.dumps({"requests": int(hits + misses), "hit_ratio": round(hits / max(1, hits + misses), 4), "revoked_tokens_refused_at_once": refused}))
