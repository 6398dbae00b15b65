"""How fast a PATCH reaches every gateway (issue 14: "every gateway applies the change within 100 ms").

Env: RT (runtime port), GWS (gateway ports, space separated), ADMIN (admin key), TOKEN, TOKEN_ID (a
budgeted token), ROUNDS (10). Each round lowers the token's budget below its spend, waits until every
gateway refuses it, then raises it and times, per gateway, from the PATCH's answer to the first
request that gateway serves (polling every 2 ms; each poll is a full request, so the figure includes
one request's latency). Prints one JSON line: p50, p90 and max in ms over rounds x gateways.
"""
import json, os, threading, time, urllib.request, urllib.error

rt, admin = os.environ["RT"], os.environ["ADMIN"]
gws = os.environ["GWS"].split()
token, token_id = os.environ["TOKEN"], os.environ["TOKEN_ID"]
rounds = int(os.environ.get("ROUNDS", "10"))
body = b'{"model":"mock-echo","max_tokens":2,"messages":[{"role":"user","content":"hello there"}]}'

def status(port):
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code

def patch(budget):
    request = urllib.request.Request(f"http://127.0.0.1:{rt}/v1/tokens/{token_id}", method="PATCH",
        data=json.dumps({"max_budget_usd": budget}).encode(),
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as answer:
        answer.read()

samples = []
for _ in range(rounds):
    patch("0.000000001")
    for port in gws:
        deadline = time.monotonic() + 10
        while status(port) == 200 and time.monotonic() < deadline:
            time.sleep(0.01)
    time.sleep(0.3)
    patch("1000")
    start = time.monotonic()
    found = {}
    def wait(port):
        while time.monotonic() - start < 10:
            if status(port) == 200:
                found[port] = (time.monotonic() - start) * 1000
                return
            time.sleep(0.002)
    threads = [threading.Thread(target=wait, args=(port,)) for port in gws]
    for thread in threads: thread.start()
    for thread in threads: thread.join()
    samples += [found.get(port, 10_000.0) for port in gws]
samples.sort()
pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
print(json.dumps({"samples": len(samples), "p50_ms": round(pick(0.5), 1), "p90_ms": round(pick(0.9), 1), "max_ms": round(samples[-1], 1)}))
