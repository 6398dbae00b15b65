"""The official Anthropic and OpenAI Python SDKs, unchanged, reading what the gateway's
Anthropic translation layer writes (gateway/Sources/Gateway/Anthropic/), served from files
through the SDKs' own HTTP client with a mock transport: no network, no gateway.

Run by GatewayTests (AnthropicSDKWireTests) with the fixture folder as the only argument:
  anthropic_stream.sse        ChatStreamToAnthropic: text, a tool call in four pieces, a tool call without input
  anthropic_stream_error.sse  ChatStreamToAnthropic: a provider failure mid-stream
  anthropic_message.json      ChatCompletionToAnthropic: text and a tool call, cached tokens
  anthropic_error.json        AnthropicError for a 429
  openai_stream.sse           AnthropicStreamToChat: thinking (skipped), text, two tool calls, usage
  openai_stream_error.sse     AnthropicStreamToChat: an error event mid-stream
  openai_completion.json      AnthropicMessageToChat: text and a tool call, cache reads and writes

Prints "SDK OK" at the end; exits non-zero on any failure.
"""

import os
import sys

import anthropic
import openai

try:  # newer SDKs ship their HTTP client as httpx2
    import httpx2 as httpx
except ImportError:
    import httpx


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def client(folder, name, status=200, content_type="application/json"):
    with open(os.path.join(folder, name), "rb") as f:
        body = f.read()
    return httpx.Client(
        transport=httpx.MockTransport(lambda request: httpx.Response(status, content=body, headers={"content-type": content_type}))
    )


def main():
    folder = sys.argv[1]
    hi = [{"role": "user", "content": "hi"}]

    # Anthropic SDK: the stream helper's accumulator builds the whole message.
    c = anthropic.Anthropic(api_key="x", max_retries=0, http_client=client(folder, "anthropic_stream.sse", content_type="text/event-stream"))
    with c.messages.stream(model="m", max_tokens=10, messages=hi) as stream:
        texts = [event.text for event in stream if event.type == "text"]
        final = stream.get_final_message()
    check(texts == ["Let me ", "check."], f"text events {texts}")
    check([b.type for b in final.content] == ["text", "tool_use", "tool_use"], f"blocks {final.content}")
    check(final.content[0].text == "Let me check.", final.content[0])
    check(final.content[1].input == {"city": "Paris", "days": 3}, final.content[1])
    check(final.content[2].input == {}, final.content[2])
    check(final.stop_reason == "tool_use", final.stop_reason)
    u = final.usage
    check((u.input_tokens, u.output_tokens, u.cache_read_input_tokens, u.cache_creation_input_tokens) == (400, 42, 600, 0), u)

    c = anthropic.Anthropic(api_key="x", max_retries=0, http_client=client(folder, "anthropic_stream_error.sse", content_type="text/event-stream"))
    try:
        for _ in c.messages.create(model="m", max_tokens=10, messages=hi, stream=True):
            pass
        raise AssertionError("the error event did not raise")
    except anthropic.APIStatusError as error:
        check(error.body["error"]["type"] == "overloaded_error", error.body)

    c = anthropic.Anthropic(api_key="x", max_retries=0, http_client=client(folder, "anthropic_message.json"))
    m = c.messages.create(model="m", max_tokens=10, messages=hi)
    check([b.type for b in m.content] == ["text", "tool_use"] and m.content[1].input == {"city": "Paris"}, m.content)
    check(m.stop_reason == "tool_use" and m.usage.input_tokens == 200 and m.usage.cache_read_input_tokens == 800, m)

    c = anthropic.Anthropic(api_key="x", max_retries=0, http_client=client(folder, "anthropic_error.json", status=429))
    try:
        c.messages.create(model="m", max_tokens=10, messages=hi)
        raise AssertionError("a 429 did not raise")
    except anthropic.RateLimitError as error:
        check(error.body["error"]["type"] == "rate_limit_error" and error.body["request_id"] == "req_1", error.body)

    # OpenAI SDK: the stream helper's accumulator builds the whole completion.
    o = openai.OpenAI(api_key="x", max_retries=0, http_client=client(folder, "openai_stream.sse", content_type="text/event-stream"))
    with o.chat.completions.stream(model="m", messages=hi, stream_options={"include_usage": True}) as stream:
        for _ in stream:
            pass
        completion = stream.get_final_completion()
    choice = completion.choices[0]
    check(choice.finish_reason == "tool_calls" and choice.message.content == "Okay, checking.", choice)
    calls = [(t.id, t.function.name, t.function.arguments) for t in choice.message.tool_calls]
    check(calls == [("toolu_01", "get_weather", '{"city": "Paris", "days": 3}'), ("toolu_02", "now", "{}")], calls)
    check(completion.usage.prompt_tokens == 525 and completion.usage.prompt_tokens_details.cached_tokens == 500, completion.usage)

    o = openai.OpenAI(api_key="x", max_retries=0, http_client=client(folder, "openai_stream_error.sse", content_type="text/event-stream"))
    try:
        for _ in o.chat.completions.create(model="m", messages=hi, stream=True):
            pass
        raise AssertionError("the error chunk did not raise")
    except openai.APIError as error:
        check(error.message == "Overloaded", error)

    o = openai.OpenAI(api_key="x", max_retries=0, http_client=client(folder, "openai_completion.json"))
    r = o.chat.completions.create(model="m", messages=hi)
    check(r.choices[0].finish_reason == "tool_calls" and r.choices[0].message.tool_calls[0].function.arguments == '{"city":"Paris","days":3}', r)
    check(r.usage.prompt_tokens == 1050 and r.usage.prompt_tokens_details.cached_tokens == 900, r.usage)

    print("SDK OK")


if __name__ == "__main__":
    main()
