#!/usr/bin/env python3
"""Slow clients against one server on 127.0.0.1: CONNECTIONS connections (default 3000), each
sending the start of a request head and then one byte every INTERVAL seconds (default 2), for
DURATION seconds in all (default 30, at most 600). A connection the server closes is opened again
(an attacker that keeps trying). Prints one JSON line at the end: connections opened, closed by the
server (and how many of those had read a 408 first, or nothing at all: refused at the cap, or reset
before the 408 was read), connect errors,
most open at once.

Env: PORT (required), CONNECTIONS, INTERVAL, DURATION, PATH (default /v1/chat/completions).
Only 127.0.0.1 is ever contacted.
"""
import asyncio
import json
import os
import sys
import time

PORT = int(os.environ["PORT"])
CONNECTIONS = min(int(os.environ.get("CONNECTIONS", "3000")), 15000)
INTERVAL = float(os.environ.get("INTERVAL", "2"))
DURATION = min(float(os.environ.get("DURATION", "30")), 600.0)
PATH = os.environ.get("PATH_UNDER_ATTACK", "/v1/chat/completions")
HEAD = f"POST {PATH} HTTP/1.1\r\nHost: x\r\nX-Slow: ".encode()

stats = {"opened": 0, "closed_by_server": 0, "answered_408": 0, "closed_before_answer": 0, "connect_errors": 0, "max_open": 0}
open_now = 0


async def attacker(deadline, connect_gate):
    global open_now
    while time.monotonic() < deadline:
        try:
            async with connect_gate:
                reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", PORT), timeout=5)
        except (OSError, asyncio.TimeoutError):
            stats["connect_errors"] += 1
            await asyncio.sleep(0.2)
            continue
        stats["opened"] += 1
        open_now += 1
        stats["max_open"] = max(stats["max_open"], open_now)
        received = b""
        try:
            writer.write(HEAD)
            while time.monotonic() < deadline:
                try:
                    data = await asyncio.wait_for(reader.read(4096), timeout=min(INTERVAL, max(0.01, deadline - time.monotonic())))
                except asyncio.TimeoutError:
                    writer.write(b"a")
                    await writer.drain()
                    continue
                if data:
                    received += data
                    continue
                stats["closed_by_server"] += 1
                if received.startswith(b"HTTP/1.1 408"):
                    stats["answered_408"] += 1
                elif not received:
                    stats["closed_before_answer"] += 1
                break
        except (ConnectionError, OSError):
            stats["closed_by_server"] += 1
            if received.startswith(b"HTTP/1.1 408"):
                stats["answered_408"] += 1
            elif not received:
                stats["closed_before_answer"] += 1
        finally:
            open_now -= 1
            writer.close()


async def progress(deadline):
    while time.monotonic() < deadline:
        await asyncio.sleep(5)
        print(f"slow_clients: open {open_now}, {json.dumps(stats)}", file=sys.stderr)


async def main():
    deadline = time.monotonic() + DURATION
    connect_gate = asyncio.Semaphore(200)  # connects in flight: stay inside the listen backlog
    tasks = [asyncio.create_task(attacker(deadline, connect_gate)) for _ in range(CONNECTIONS)]
    tasks.append(asyncio.create_task(progress(deadline)))
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps({"connections": CONNECTIONS, "interval_s": INTERVAL, "duration_s": DURATION, **stats}))


asyncio.run(main())
