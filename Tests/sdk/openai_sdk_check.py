"""The official OpenAI Python SDK, unchanged, against a live Lijiaoqiao gateway.

Run by IntegrationTests (EndToEndTests.openAIPythonSDKAgainstTheLiveGateway) with:
  LJQ_GATEWAY_BASE_URL  the gateway's base URL including /v1, e.g. http://127.0.0.1:8080/v1
  LJQ_TOKEN             a token issued by platform-token-runtime
  LJQ_MODEL             the model to use (default mock-echo, the mock upstream's echo model)
  LJQ_CA_FILE           optional: a PEM CA file; an https gateway is then verified against it
                        (through the SDK's http_client), and a client without it must refuse the gateway

Prints "SDK OK" at the end; exits non-zero on any failure.
"""

import json
import os
import sys

import openai
from openai import OpenAI


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    base_url = os.environ["LJQ_GATEWAY_BASE_URL"]
    token = os.environ["LJQ_TOKEN"]
    model = os.environ.get("LJQ_MODEL", "mock-echo")
    ca_file = os.environ.get("LJQ_CA_FILE")

    def make_client(api_key):
        if ca_file:
            return OpenAI(
                base_url=base_url, api_key=api_key, max_retries=0, timeout=20.0,
                http_client=openai.DefaultHttpxClient(verify=ca_file),
            )
        return OpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=20.0)

    if ca_file:
        check(base_url.startswith("https://"), f"LJQ_CA_FILE set but {base_url} is not https")
        # Without the test CA the system trust store must refuse the gateway's certificate.
        untrusting = OpenAI(base_url=base_url, api_key=token, max_retries=0, timeout=20.0)
        try:
            untrusting.models.list()
        except openai.APIConnectionError:
            print(f"tls: verified against {ca_file}; refused without it")
        else:
            raise AssertionError("tls: a client without the test CA accepted the gateway's certificate")

    client = make_client(token)

    models = [m.id for m in client.models.list()]
    check(model in models, f"models.list: {model} missing from {models}")
    print(f"models.list: {models}")

    chat = client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello from the sdk"}])
    check(chat.choices[0].message.content == "hello from the sdk", f"chat: unexpected content {chat.choices[0].message.content!r}")
    check(chat.choices[0].finish_reason == "stop", f"chat: finish_reason {chat.choices[0].finish_reason!r}")
    check(chat.usage is not None and chat.usage.total_tokens > 0, f"chat: usage {chat.usage!r}")
    print(f"chat.completions: {chat.choices[0].message.content!r}")

    deltas = []
    chunks = 0
    usage = None
    stream = client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": "streamed word by word"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        chunks += 1
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            if choice.delta is not None and choice.delta.content:
                deltas.append(choice.delta.content)
    text = "".join(deltas)
    check(text == "streamed word by word", f"stream: deltas {deltas!r}")
    check(chunks >= 4, f"stream: only {chunks} chunks")
    check(usage is not None and usage.completion_tokens == 4, f"stream: usage {usage!r}")
    print(f"chat.completions stream: {chunks} chunks, {text!r}")

    # A stream that did not ask for usage: the gateway asks upstream for it (to charge the request)
    # and takes it out again, so the SDK sees exactly what OpenAI would send: no usage anywhere.
    plain_deltas = []
    for chunk in client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "no usage asked"}], stream=True
    ):
        check(chunk.usage is None, f"stream without include_usage: a chunk carries usage {chunk.usage!r}")
        check(len(chunk.choices) > 0, "stream without include_usage: a chunk without choices (the usage chunk) reached the client")
        for choice in chunk.choices:
            if choice.delta is not None and choice.delta.content:
                plain_deltas.append(choice.delta.content)
    check("".join(plain_deltas) == "no usage asked", f"stream without include_usage: deltas {plain_deltas!r}")
    print("chat.completions stream without include_usage: no usage chunk, no usage members")

    # Tool calls: the mock calls a tool when the last user text is `call <tool name> [<JSON object>]`.
    tools = [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Current weather in a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
            },
        }
    ]
    asking = {"role": "user", "content": 'call get_weather {"city": "Paris"}'}
    tool_chat = client.chat.completions.create(model=model, messages=[asking], tools=tools)
    tool_choice = tool_chat.choices[0]
    check(tool_choice.finish_reason == "tool_calls", f"tool call: finish_reason {tool_choice.finish_reason!r}")
    check(tool_choice.message.content is None, f"tool call: content {tool_choice.message.content!r}")
    tool_call = tool_choice.message.tool_calls[0]
    check(tool_call.type == "function" and tool_call.function.name == "get_weather", f"tool call: {tool_call!r}")
    check(json.loads(tool_call.function.arguments) == {"city": "Paris"}, f"tool call: arguments {tool_call.function.arguments!r}")
    print(f"chat.completions tool call: {tool_call.function.name}({tool_call.function.arguments}) id {tool_call.id}")

    # The tool's result back: the answer quotes it.
    answered = client.chat.completions.create(
        model=model,
        tools=tools,
        messages=[
            asking,
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": tool_call.id,
                        "type": "function",
                        "function": {"name": tool_call.function.name, "arguments": tool_call.function.arguments},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": tool_call.id, "content": "sunny"},
        ],
    )
    check(answered.choices[0].message.content == "get_weather returned: sunny", f"tool result: {answered.choices[0].message.content!r}")
    check(answered.choices[0].finish_reason == "stop", f"tool result: finish_reason {answered.choices[0].finish_reason!r}")
    print(f"chat.completions tool result: {answered.choices[0].message.content!r}")

    # Streamed: the call's id and name first, then its arguments in fragments, assembled by index.
    calls = {}
    fragments = 0
    finish = None
    tool_usage = None
    for chunk in client.chat.completions.create(
        model=model,
        messages=[{"role": "user", "content": 'call get_weather {"city": "Oslo", "days": 2}'}],
        tools=tools,
        stream=True,
        stream_options={"include_usage": True},
    ):
        if chunk.usage is not None:
            tool_usage = chunk.usage
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for delta_call in (choice.delta.tool_calls or []) if choice.delta is not None else []:
                entry = calls.setdefault(delta_call.index, {"id": None, "name": None, "arguments": ""})
                if delta_call.id:
                    entry["id"] = delta_call.id
                if delta_call.function is not None:
                    if delta_call.function.name:
                        entry["name"] = delta_call.function.name
                    if delta_call.function.arguments:
                        entry["arguments"] += delta_call.function.arguments
                        fragments += 1
    check(list(calls) == [0], f"stream tool call: calls {calls!r}")
    check(calls[0]["id"] and calls[0]["name"] == "get_weather", f"stream tool call: {calls[0]!r}")
    check(json.loads(calls[0]["arguments"]) == {"city": "Oslo", "days": 2}, f"stream tool call: arguments {calls[0]['arguments']!r}")
    check(fragments >= 2, f"stream tool call: arguments in {fragments} fragments")
    check(finish == "tool_calls", f"stream tool call: finish_reason {finish!r}")
    check(tool_usage is not None and tool_usage.completion_tokens == 3, f"stream tool call: usage {tool_usage!r}")
    print(f"chat.completions stream tool call: {calls[0]['name']}({calls[0]['arguments']}) in {fragments} fragments")

    completion = client.completions.create(model=model, prompt="complete this")
    check(completion.choices[0].text == "complete this", f"completions: {completion.choices[0].text!r}")
    print(f"completions: {completion.choices[0].text!r}")

    embeddings = client.embeddings.create(model=model, input=["first", "second"])
    check(len(embeddings.data) == 2, f"embeddings: {len(embeddings.data)} vectors")
    check(all(len(item.embedding) > 0 for item in embeddings.data), "embeddings: an empty vector")
    print(f"embeddings: {len(embeddings.data)} vectors of {len(embeddings.data[0].embedding)}")

    if os.environ.get("LJQ_EXPECT_USAGE") == "1":
        # GET /v1/usage with the key itself: the requests above reach the ledger within seconds.
        import time

        answer = None
        for _ in range(50):
            answer = client.get("/usage", cast_to=object)
            if answer.get("requests", 0) >= 5:
                break
            time.sleep(0.2)
        check(answer is not None and answer.get("object") == "usage", f"usage: {answer!r}")
        check(answer["requests"] >= 5, f"usage: {answer['requests']} requests recorded, expected at least 5")
        check(isinstance(answer["spend_nano_usd"], int), f"usage: spend_nano_usd {answer['spend_nano_usd']!r}")
        check(any(row.get("model") == model for row in answer.get("by_model", [])), f"usage: by_model {answer.get('by_model')!r}")
        print(f"usage: {answer['requests']} requests, {answer['prompt_tokens']} prompt tokens, spend {answer['spend_usd']} USD")

    bad = make_client("ljq_not-a-real-token")
    try:
        bad.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])
    except openai.AuthenticationError as error:
        check(error.status_code == 401, f"bad token: status {error.status_code}")
        print(f"bad token: AuthenticationError {error.status_code}")
    else:
        raise AssertionError("bad token: no AuthenticationError")

    print("SDK OK")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # any failure, with its kind, and a non-zero exit
        print(f"SDK check failed: {type(error).__name__}: {error}", file=sys.stderr)
        sys.exit(1)
