"""Times the admin API calls the console's pages make, against a runtime whose PostgreSQL holds
bench/console_seed.sql's data. Prints a markdown section on stdout.

  python3 bench/console_api.py http://127.0.0.1:PORT ADMIN_KEY
"""

import concurrent.futures
import http.client
import json
import statistics
import sys
import time
import urllib.parse

BASE = sys.argv[1]
ADMIN = sys.argv[2]
RUNS = 30
TARGET_MS = 200.0
HOST = urllib.parse.urlparse(BASE)


def connection():
    return http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)


def get(conn, path):
    conn.request("GET", path, headers={"Authorization": "Bearer " + ADMIN, "Accept": "application/json"})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(f"{path}: {response.status} {body[:300]!r}")
    return json.loads(body)


def timed(path, runs=RUNS):
    conn = connection()
    for _ in range(3):
        get(conn, path)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        answer = get(conn, path)
        samples.append((time.perf_counter() - start) * 1000)
    conn.close()
    return samples, answer


def page(paths, runs=RUNS):
    """A page's calls made at once (as the page does), timed together: the page's wait."""
    conns = [connection() for _ in paths]
    for conn, path in zip(conns, paths):
        get(conn, path)
    samples = []
    with concurrent.futures.ThreadPoolExecutor(len(paths)) as pool:
        for _ in range(runs):
            start = time.perf_counter()
            list(pool.map(lambda pair: get(*pair), zip(conns, paths)))
            samples.append((time.perf_counter() - start) * 1000)
    for conn in conns:
        conn.close()
    return samples


def row(name, path, samples, rows):
    ordered = sorted(samples)
    p50 = statistics.median(ordered)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    met = "met" if p95 < TARGET_MS else "missed"
    if "hourly rollups" in name:
        met = "(comparison)"
    shown = f"`{path}`" if path else ""
    return f"| {name} | {shown} | {rows} | {p50:.1f} | {p95:.1f} | {ordered[-1]:.1f} | {met} |"


def main():
    now = int(time.time())
    to = now - now % 86400 + 86400
    start = to - 30 * 86400
    window = f"from={start}&to={to}"
    cursor_id = "tok_" + format(50000, "x").rjust(24, "0")
    detail_id = "tok_" + format(99999, "x").rjust(24, "0")
    calls = [
        ("Tokens: first page, newest first", "/v1/tokens?order=desc&limit=25"),
        ("Tokens: a page from the middle (cursor)", f"/v1/tokens?order=desc&limit=25&cursor={cursor_id}"),
        ("Tokens: status=active", "/v1/tokens?order=desc&limit=25&status=active"),
        ("Tokens: status=expired", "/v1/tokens?order=desc&limit=25&status=expired"),
        ("Tokens: status=revoked", "/v1/tokens?order=desc&limit=25&status=revoked"),
        ("Tokens: subject (exact)", "/v1/tokens?order=desc&limit=25&subject=user-4242"),
        ("Tokens: search, 20 matches", "/v1/tokens?order=desc&limit=25&q=user-4242"),
        ("Tokens: search, no match (reads every row)", "/v1/tokens?order=desc&limit=25&q=nobody-at-all"),
        ("Usage: totals, 30 days", f"/v1/usage?{window}"),
        ("Usage: per day by model, 30 days", f"/v1/usage?{window}&group_by=day,model"),
        ("Usage: top 10 subjects, 30 days", f"/v1/usage?{window}&group_by=subject&order_by=spend&limit=10"),
        ("Usage: top 10 tokens, 30 days", f"/v1/usage?{window}&group_by=token&order_by=spend&limit=10"),
        # For comparison: an hour off midnight, the same month reads the hourly rollups (what
        # every usage query read before the daily rollups).
        ("Usage: per day by model, hourly rollups (window an hour off midnight)", f"/v1/usage?from={start + 3600}&to={to - 3600}&group_by=day,model"),
        ("Usage: top 10 tokens, hourly rollups (window an hour off midnight)", f"/v1/usage?from={start + 3600}&to={to - 3600}&group_by=token&order_by=spend&limit=10"),
        ("Detail: the token", f"/v1/tokens/{detail_id}"),
        ("Detail: by model, all time", f"/v1/usage?token_id={detail_id}&group_by=model"),
        ("Detail: per day by model, 30 days", f"/v1/usage?token_id={detail_id}&group_by=day,model&{window}"),
    ]
    lines = [
        "| call | path | rows | p50 ms | p95 ms | max ms | p95 < 200 ms |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, path in calls:
        print("timing", name, file=sys.stderr)
        samples, answer = timed(path)
        lines.append(row(name, path, samples, len(answer.get("data", [answer]))))
    usage_page = [f"/v1/usage?{window}", f"/v1/usage?{window}&group_by=day,model",
                  f"/v1/usage?{window}&group_by=subject&order_by=spend&limit=10",
                  f"/v1/usage?{window}&group_by=token&order_by=spend&limit=10"]
    detail_page = [f"/v1/tokens/{detail_id}", f"/v1/usage?token_id={detail_id}&group_by=model",
                   f"/v1/usage?token_id={detail_id}&group_by=day,model&{window}"]
    print("timing whole pages", file=sys.stderr)
    lines.append(row("**Usage page**: its 4 calls at once", "", page(usage_page), "-"))
    lines.append(row("**Token detail page**: its 3 calls at once", "", page(detail_page), "-"))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
