"""The official OpenAI Python SDK, unchanged and with its default retries, against a live
Lijiaoqiao gateway whose only provider answers 429 (its rate limit is reached).

Run by IntegrationTests (ProviderRefusalTests.openAIPythonSDKSeesRateLimitErrorWithTheGatewaysRetryAfter) with:
  LJQ_GATEWAY_BASE_URL  the gateway's base URL including /v1
  LJQ_TOKEN             a token issued by platform-token-runtime
  LJQ_MODEL             the model to use (default mock-echo)

Prints "SDK RATE LIMIT OK" at the end; exits non-zero on any failure.
"""

import os
import sys
import time

import openai
from openai import OpenAI


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    base_url = os.environ["LJQ_GATEWAY_BASE_URL"]
    token = os.environ["LJQ_TOKEN"]
    model = os.environ.get("LJQ_MODEL", "mock-echo")
    client = OpenAI(base_url=base_url, api_key=token, timeout=20.0)  # default max_retries (2)
    check(client.max_retries == 2, f"default max_retries is {client.max_retries}")

    start = time.monotonic()
    try:
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello"}])
    except openai.RateLimitError as error:
        elapsed = time.monotonic() - start
        retry_after = error.response.headers.get("retry-after")
        check(error.status_code == 429, f"status {error.status_code}")
        check(retry_after is not None and retry_after.isdigit() and int(retry_after) >= 1, f"retry-after {retry_after!r}")
        check(error.code == "rate_limit_exceeded", f"code {error.code!r}")
        check("org-mock" not in str(error.message), f"the provider's own message reached the client: {error.message!r}")
        # Two retries, each after the gateway's Retry-After (at least 1 s).
        check(elapsed >= 1.5, f"the SDK did not wait for Retry-After between its retries: {elapsed:.2f}s")
        print(f"RateLimitError {error.status_code}, retry-after {retry_after}, after {elapsed:.2f}s: {error.message}")
    else:
        raise AssertionError("no RateLimitError")

    print("SDK RATE LIMIT OK")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # any failure, with its kind, and a non-zero exit
        print(f"SDK check failed: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
