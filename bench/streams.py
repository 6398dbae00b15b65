#!/usr/bin/env python3
"""N concurrent streamed chat completions (raw asyncio sockets, one connection each), all opened
within RAMP seconds and held until each stream ends. Reports how many completed (HTTP 200, the
whole event stream up to `data: [DONE]`), statuses of the rest, and time to first byte (p50, p99).
While the streams are open it samples the resident memory of PID (the gateway) every 100 ms.
Env: PORT, TOKEN, COUNT (2000), RAMP (2 s), WORDS (8), PID (optional), DEADLINE (120 s).
Prints one JSON line. Talks to 127.0.0.1 only."""
import asyncio
import json
import os
import resource
import time

port = int(os.environ["PORT"])
token = os.environ.get("TOKEN", "none")
count = int(os.environ.get("COUNT", "2000"))
ramp = float(os.environ.get("RAMP", "2"))
words = int(os.environ.get("WORDS", "8"))
pid = os.environ.get("PID")
deadline = float(os.environ.get("DEADLINE", "120"))

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

text = " ".join(f"word{i}" for i in range(1, words + 1))
body = json.dumps({"model": "mock-echo", "stream": True, "stream_options": {"include_usage": True},
                   "messages": [{"role": "user", "content": text}]}).encode()
request = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token.encode() +
           b"\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " + str(len(body)).encode() +
           b"\r\n\r\n" + body)


def rss_kib():
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None


async def one(index, results):
    await asyncio.sleep(ramp * index / count)
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        first = await reader.read(1)
        ttfb = time.perf_counter() - start
        rest = await reader.read()  # Connection: close -> until the server closes
        writer.close()
        data = first + rest
        head, _, payload = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0
        complete = status == 200 and b"data: [DONE]" in payload and f"word{words}".encode() in payload
        results.append((status, complete, ttfb))
    except Exception as error:  # counted, never raised: the report says how many failed and how
        results.append((type(error).__name__, False, None))


async def main():
    results = []
    baseline = rss_kib() if pid else None
    peak = baseline
    tasks = [asyncio.create_task(one(i, results)) for i in range(count)]
    started = time.perf_counter()
    done = asyncio.gather(*tasks)
    while not done.done():
        if pid:
            value = rss_kib()
            if value and (peak is None or value > peak):
                peak = value
        if time.perf_counter() - started > deadline:
            for task in tasks:
                task.cancel()
            break
        await asyncio.sleep(0.1)
    try:
        await done
    except asyncio.CancelledError:
        pass
    elapsed = time.perf_counter() - started
    ttfbs = sorted(t * 1000 for _, ok, t in results if t is not None)
    pick = lambda p: round(ttfbs[min(len(ttfbs) - 1, int(round(p / 100 * (len(ttfbs) - 1))))], 2) if ttfbs else None
    failures = {}
    for status, ok, _ in results:
        if not ok:
            failures[str(status)] = failures.get(str(status), 0) + 1
    report = {"count": count, "completed": sum(1 for _, ok, _ in results if ok), "failures": failures,
              "ttfb_p50_ms": pick(50), "ttfb_p99_ms": pick(99), "seconds": round(elapsed, 1)}
    if pid:
        report["rss_baseline_kib"] = baseline
        report["rss_peak_kib"] = peak
        if baseline and peak:
            report["kib_per_stream"] = round((peak - baseline) / count, 1)
    print(json.dumps(report))


asyncio.run(main())
