"""The official Anthropic Python SDK, unchanged, against `gateway mock-upstream --anthropic`.

Checks that the mock answers in shapes the SDK parses: messages (plain, streamed through the SDK's
own accumulator, tool use, tool results), count_tokens, models, and the error classes of its
statuses. Environment:
  LJQ_ANTHROPIC_BASE_URL  the mock's base URL without /v1, e.g. http://127.0.0.1:18091
  LJQ_MODEL               a model the mock lists (default claude-mock)
  LJQ_FAIL_BASE_URL       optional: a mock started with --fail-status 529 (overloaded)

Prints "ANTHROPIC SDK OK" at the end; exits non-zero on any failure.
"""

import json
import os

import anthropic
from anthropic import Anthropic


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def main():
    base_url = os.environ["LJQ_ANTHROPIC_BASE_URL"]
    model = os.environ.get("LJQ_MODEL", "claude-mock")
    client = Anthropic(base_url=base_url, api_key="sk-ant-mock", max_retries=0)

    message = client.messages.create(
        model=model, max_tokens=100, system="be brief",
        messages=[{"role": "user", "content": "hello from the sdk"}])
    check(message.type == "message" and message.role == "assistant", message)
    check(message.content[0].type == "text" and message.content[0].text == "hello from the sdk", message)
    check(message.stop_reason == "end_turn" and message.stop_sequence is None, message)
    check(message.usage.input_tokens == 4 and message.usage.output_tokens == 4, message.usage)
    check(message.usage.cache_read_input_tokens == 2 and message.usage.cache_creation_input_tokens == 0, message.usage)
    check(message._request_id is not None, "no request-id")

    stopped = client.messages.create(
        model=model, max_tokens=100, stop_sequences=["STOP"],
        messages=[{"role": "user", "content": "one two STOP three"}])
    check(stopped.stop_reason == "stop_sequence" and stopped.stop_sequence == "STOP", stopped)

    cut = client.messages.create(model=model, max_tokens=1, messages=[{"role": "user", "content": "one two"}])
    check(cut.stop_reason == "max_tokens" and cut.content[0].text == "one", cut)

    with client.messages.stream(model=model, max_tokens=100, messages=[{"role": "user", "content": "stream this text"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    check(text == "stream this text", text)
    check(final.stop_reason == "end_turn" and final.usage.output_tokens == 3 and final.usage.input_tokens == 3, final)

    tools = [{"name": "get_weather", "description": "Weather of a city",
              "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    ask = [{"role": "user", "content": 'call get_weather {"city": "Paris"}'}]
    with client.messages.stream(model=model, max_tokens=100, tools=tools, messages=ask) as stream:
        called = stream.get_final_message()
    check(called.stop_reason == "tool_use", called)
    tool_use = [block for block in called.content if block.type == "tool_use"]
    check(len(tool_use) == 1 and tool_use[0].name == "get_weather" and tool_use[0].input == {"city": "Paris"}, called)

    answered = client.messages.create(
        model=model, max_tokens=100, tools=tools,
        messages=ask + [
            {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in called.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use[0].id, "content": "sunny"}]},
        ])
    check(answered.stop_reason == "end_turn" and answered.content[0].text == "get_weather returned: sunny", answered)

    counted = client.messages.count_tokens(model=model, messages=[{"role": "user", "content": "a b c"}])
    check(counted.input_tokens == 3, counted)

    models = list(client.models.list())
    check(any(entry.id == model for entry in models), models)

    try:
        client.messages.create(model="claude-nope", max_tokens=5, messages=[{"role": "user", "content": "x"}])
        raise AssertionError("an unknown model was accepted")
    except anthropic.NotFoundError as error:
        check(error.body["error"]["type"] == "not_found_error" and error.request_id, error.body)
    try:
        client.post("/v1/messages", body={"model": model, "messages": [{"role": "user", "content": "x"}]}, cast_to=object)
        raise AssertionError("no max_tokens was accepted")
    except anthropic.BadRequestError as error:
        check(error.body["error"] == {"type": "invalid_request_error", "message": "max_tokens: Field required"}, error.body)

    fail_url = os.environ.get("LJQ_FAIL_BASE_URL")
    if fail_url:
        failing = Anthropic(base_url=fail_url, api_key="sk-ant-mock", max_retries=0)
        try:
            failing.messages.create(model=model, max_tokens=5, messages=[{"role": "user", "content": "x"}])
            raise AssertionError("the failing mock answered")
        except anthropic.APIStatusError as error:
            check(error.status_code == 529 and error.body["error"]["type"] == "overloaded_error", error)

    print(json.dumps({"sdk": anthropic.__version__}))
    print("ANTHROPIC SDK OK")


if __name__ == "__main__":
    main()
