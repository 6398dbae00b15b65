// Issue 15: what crossing between Anthropic's Messages API and OpenAI's chat completions costs
// per request (decode, translate, encode), on a typical chat: a system prompt, three turns, one
// tool; its answer; and its stream of 100 text chunks. Target: under 30 us of CPU for a request
// and its answer. Single-threaded work, so wall clock is CPU time.

import Benchmark
import Foundation
import Gateway
import NIOCore

enum TranslationFixture {
    static let system = String(repeating: "You are a careful assistant who answers briefly. ", count: 6)
    static let tool =
        #"{"name":"get_weather","description":"The weather of a city, today and the next days","#
        + #""input_schema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},"required":["city"]}}"#

    /// About 1.5 KB: what a chat client typically sends.
    static let messagesRequest = ByteBuffer(
        string: #"{"model":"claude-sonnet-4-5","max_tokens":1024,"temperature":0.7,"system":"\#(system)","tools":[\#(tool)],"#
            + #""messages":[{"role":"user","content":"What should I pack for a weekend in Paris in spring?"},"#
            + #"{"role":"assistant","content":"Layers: a light jacket, a sweater, comfortable shoes and an umbrella."},"#
            + #"{"role":"user","content":"And if it rains the whole time? Give me three indoor ideas, briefly please."}]}"#)

    static let chatRequest: ByteBuffer = {
        (try? AnthropicTranslation.chatRequest(fromMessages: messagesRequest).body) ?? ByteBuffer()
    }()

    static let answerText = "The Louvre early in the morning, the covered passages around the Palais-Royal, and an afternoon at the Musée d'Orsay."

    static let chatAnswer = ByteBuffer(
        string: #"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5","#
            + #""choices":[{"index":0,"message":{"role":"assistant","content":"\#(answerText)"},"finish_reason":"stop","logprobs":null}],"#
            + #""usage":{"prompt_tokens":180,"completion_tokens":30,"total_tokens":210,"prompt_tokens_details":{"cached_tokens":100}}}"#)

    static let messagesAnswer = ByteBuffer(
        string: #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","#
            + #""content":[{"type":"text","text":"\#(answerText)"}],"stop_reason":"end_turn","stop_sequence":null,"#
            + #""usage":{"input_tokens":80,"cache_read_input_tokens":100,"cache_creation_input_tokens":0,"output_tokens":30}}"#)

    /// 100 content chunks, the finish chunk, the usage chunk and [DONE], one network read each.
    static let chatStream: [ByteBuffer] = {
        func chunk(_ delta: String, finish: String = "null") -> ByteBuffer {
            ByteBuffer(
                string: #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","#
                    + #""choices":[{"index":0,"delta":\#(delta),"finish_reason":\#(finish)}]}"# + "\n\n")
        }
        var chunks = [chunk(#"{"role":"assistant","content":""}"#)]
        for index in 0..<100 { chunks.append(chunk(#"{"content":"word\#(index) "}"#)) }
        chunks.append(chunk("{}", finish: #""stop""#))
        chunks.append(
            ByteBuffer(
                string: #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[],"#
                    + #""usage":{"prompt_tokens":180,"completion_tokens":100,"total_tokens":280}}"# + "\n\n"))
        chunks.append(ByteBuffer(string: "data: [DONE]\n\n"))
        return chunks
    }()

    /// The same answer as Anthropic streams it.
    static let messagesStream: [ByteBuffer] = {
        func event(_ name: String, _ data: String) -> ByteBuffer { ByteBuffer(string: "event: \(name)\ndata: \(data)\n\n") }
        var events = [
            event(
                "message_start",
                #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"#
                    + #""stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":180,"output_tokens":1}}}"#),
            event("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            event("ping", #"{"type":"ping"}"#),
        ]
        for index in 0..<100 {
            events.append(
                event(
                    "content_block_delta",
                    #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"word\#(index) "}}"#))
        }
        events.append(event("content_block_stop", #"{"type":"content_block_stop","index":0}"#))
        events.append(
            event(
                "message_delta",
                #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":100}}"#))
        events.append(event("message_stop", #"{"type":"message_stop"}"#))
        return events
    }()
}

/// One request per operation: microseconds per request.
var translationConfiguration: Benchmark.Configuration {
    .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal], timeUnits: .microseconds, warmupIterations: 50,
        scalingFactor: .one, maxDuration: .seconds(3), maxIterations: 20_000)
}

func translationBenchmarks() {
    Benchmark("translate: Messages request -> chat", configuration: translationConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try AnthropicTranslation.chatRequest(fromMessages: TranslationFixture.messagesRequest))
        }
    }
    Benchmark("translate: chat answer -> Messages", configuration: translationConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(AnthropicTranslation.messagesAnswer(fromChat: TranslationFixture.chatAnswer, status: 200, model: "claude-sonnet-4-5"))
        }
    }
    Benchmark("translate: Anthropic client, whole exchange (request + answer)", configuration: translationConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try AnthropicTranslation.chatRequest(fromMessages: TranslationFixture.messagesRequest))
            blackHole(AnthropicTranslation.messagesAnswer(fromChat: TranslationFixture.chatAnswer, status: 200, model: "claude-sonnet-4-5"))
        }
    }
    Benchmark("translate: OpenAI client, whole exchange (request + answer)", configuration: translationConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try AnthropicTranslation.messagesRequest(fromChat: TranslationFixture.chatRequest))
            blackHole(
                AnthropicTranslation.chatAnswer(
                    fromMessages: TranslationFixture.messagesAnswer, status: 200, model: "claude-sonnet-4-5", created: 1_700_000_000))
        }
    }
    Benchmark("translate: chat stream -> Messages events (100 chunks)", configuration: translationConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            var translation = AnthropicTranslation.messagesStream(model: "claude-sonnet-4-5")
            for chunk in TranslationFixture.chatStream { blackHole(translation.feed(chunk)) }
            blackHole(translation.finish())
        }
    }
    Benchmark("translate: Messages stream -> chat chunks (100 deltas)", configuration: translationConfiguration) { benchmark in
        for _ in benchmark.scaledIterations {
            var translation = AnthropicTranslation.chatStream(model: "gpt-like", created: 1_700_000_000, includeUsage: true)
            for event in TranslationFixture.messagesStream { blackHole(translation.feed(event)) }
            blackHole(translation.finish())
        }
    }
}
