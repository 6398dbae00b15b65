"""The official Anthropic and OpenAI Python SDKs, unchanged, against the live gateway, both ways.

Anthropic clients (the `anthropic` SDK) on /v1/messages, for each model in LJQ_ANTHROPIC_MODELS:
one served by an `anthropic` provider (passed through natively) and one by an OpenAI-compatible
provider (translated): messages.create, messages.stream with text deltas and get_final_message(),
a tool-use round trip, count_tokens, models.list, AuthenticationError and NotFoundError. The key
goes as `x-api-key` (api_key=) and as a bearer token (auth_token=).

OpenAI clients (the `openai` SDK) of an `anthropic` provider (LJQ_OPENAI_TO_ANTHROPIC_MODEL):
chat, streamed chat with usage, tool calls (plain and streamed) and a tool result, and an error
(LJQ_BROKEN_MODEL, whose provider answers 400) as the SDK's BadRequestError.

Both mocks count usage in words and answer tool calls to a last user text `call <tool> <json>`.

Environment: LJQ_GATEWAY_BASE_URL (without /v1), LJQ_TOKEN, LJQ_ANTHROPIC_MODELS (comma-separated),
LJQ_OPENAI_TO_ANTHROPIC_MODEL, LJQ_BROKEN_MODEL. Prints "GATEWAY SDKS OK"; exits non-zero on failure.
"""

import json
import os

import anthropic
import openai
from anthropic import Anthropic
from openai import OpenAI


def check(condition, message):
    if not condition:
        raise AssertionError(message)


TOOLS = [{"name": "get_weather", "description": "Weather of a city",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]


def anthropic_client_checks(client, model):
    message = client.messages.create(
        model=model, max_tokens=100, system="be brief",
        messages=[{"role": "user", "content": "hello from the sdk"}])
    check(message.type == "message" and message.role == "assistant", message)
    check(message.content[0].type == "text" and message.content[0].text == "hello from the sdk", message)
    check(message.stop_reason == "end_turn", message)
    # 2 words of system prompt (cached) and 4 of the last message, 4 echoed back.
    check(message.usage.input_tokens == 4 and message.usage.output_tokens == 4, message.usage)
    check(message.usage.cache_read_input_tokens == 2, message.usage)
    check(message._request_id is not None, "no request-id")

    deltas = []
    with client.messages.stream(model=model, max_tokens=100, messages=[{"role": "user", "content": "stream this text"}]) as stream:
        for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                deltas.append(event.delta.text)
        final = stream.get_final_message()
    check(len(deltas) >= 2 and "".join(deltas) == "stream this text", deltas)
    check(final.content[0].text == "stream this text", final)
    check(final.stop_reason == "end_turn" and final.usage.output_tokens == 3 and final.usage.input_tokens == 3, final)

    ask = [{"role": "user", "content": 'call get_weather {"city": "Paris"}'}]
    with client.messages.stream(model=model, max_tokens=100, tools=TOOLS, messages=ask) as stream:
        called = stream.get_final_message()
    check(called.stop_reason == "tool_use", called)
    tool_use = [block for block in called.content if block.type == "tool_use"]
    check(len(tool_use) == 1 and tool_use[0].name == "get_weather" and tool_use[0].input == {"city": "Paris"}, called)
    answered = client.messages.create(
        model=model, max_tokens=100, tools=TOOLS,
        messages=ask + [
            {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in called.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use[0].id, "content": "sunny"}]},
        ])
    check(answered.stop_reason == "end_turn" and answered.content[-1].text == "get_weather returned: sunny", answered)

    counted = client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "a b c"}])
    check(counted.input_tokens >= 3, counted)
    return counted.input_tokens


def main():
    base_url = os.environ["LJQ_GATEWAY_BASE_URL"]
    token = os.environ["LJQ_TOKEN"]
    models = os.environ["LJQ_ANTHROPIC_MODELS"].split(",")

    by_key = Anthropic(base_url=base_url, api_key=token, max_retries=0)
    by_bearer = Anthropic(base_url=base_url, auth_token=token, api_key=None, max_retries=0)
    counts = {}
    for model in models:
        for client in (by_key, by_bearer):
            counts[model] = anthropic_client_checks(client, model)

    listed = [entry.id for entry in by_key.models.list()]
    check(all(model in listed for model in models), listed)
    check(by_key.models.retrieve(models[0]).id == models[0], "models.retrieve")

    try:
        Anthropic(base_url=base_url, api_key="ljq_not_a_key", max_retries=0).messages.create(
            model=models[0], max_tokens=5, messages=[{"role": "user", "content": "x"}])
        raise AssertionError("a wrong key was accepted")
    except anthropic.AuthenticationError as error:
        check(error.body["error"]["type"] == "authentication_error" and error.request_id, error.body)
    try:
        by_key.messages.create(model="claude-nope", max_tokens=5, messages=[{"role": "user", "content": "x"}])
        raise AssertionError("an unknown model was accepted")
    except anthropic.NotFoundError as error:
        check(error.body["error"]["type"] == "not_found_error", error.body)

    # OpenAI clients of an anthropic provider.
    target = os.environ["LJQ_OPENAI_TO_ANTHROPIC_MODEL"]
    chat = OpenAI(base_url=base_url + "/v1", api_key=token, max_retries=0)
    completion = chat.chat.completions.create(
        model=target, messages=[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hello there"}])
    check(completion.choices[0].message.content == "hello there", completion)
    check(completion.choices[0].finish_reason == "stop", completion)
    check(completion.usage.prompt_tokens == 4 and completion.usage.completion_tokens == 2, completion.usage)
    check(completion.usage.prompt_tokens_details.cached_tokens == 2, completion.usage)

    pieces, usage = [], None
    for chunk in chat.chat.completions.create(
            model=target, stream=True, stream_options={"include_usage": True},
            messages=[{"role": "user", "content": "stream me back"}]):
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
        if chunk.usage:
            usage = chunk.usage
    check("".join(pieces) == "stream me back" and len(pieces) >= 2, pieces)
    check(usage is not None and usage.completion_tokens == 3, usage)

    functions = [{"type": "function", "function": {
        "name": "get_weather", "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
    ask = [{"role": "user", "content": 'call get_weather {"city": "Paris"}'}]
    called = chat.chat.completions.create(model=target, tools=functions, messages=ask)
    call = called.choices[0].message.tool_calls[0]
    check(called.choices[0].finish_reason == "tool_calls", called)
    check(call.function.name == "get_weather" and json.loads(call.function.arguments) == {"city": "Paris"}, call)

    arguments, name, call_id = "", None, None
    for chunk in chat.chat.completions.create(model=target, tools=functions, messages=ask, stream=True):
        for delta in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            name = name or (delta.function.name if delta.function else None)
            call_id = call_id or delta.id
            arguments += (delta.function.arguments or "") if delta.function else ""
    check(name == "get_weather" and call_id and json.loads(arguments) == {"city": "Paris"}, (name, arguments))

    answered = chat.chat.completions.create(model=target, tools=functions, messages=ask + [
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump(exclude_none=True)]},
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ])
    check(answered.choices[0].message.content == "get_weather returned: sunny", answered)

    try:
        chat.chat.completions.create(model=os.environ["LJQ_BROKEN_MODEL"], messages=[{"role": "user", "content": "x"}])
        raise AssertionError("the broken provider answered")
    except openai.BadRequestError as error:
        check(error.status_code == 400 and error.body.get("type") == "invalid_request_error", error.body)

    print(json.dumps({"anthropic": anthropic.__version__, "openai": openai.__version__, "count_tokens": counts}))
    print("GATEWAY SDKS OK")


if __name__ == "__main__":
    main()
