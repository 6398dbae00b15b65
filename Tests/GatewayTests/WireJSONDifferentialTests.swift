import Foundation
import NIOCore
import Testing

@testable import Gateway

/// The hand-rolled codec behind ``WireJSON`` against Foundation's, which it replaced: every JSON
/// body of the Anthropic tests decodes to the same values both ways, and every value encodes to
/// the same bytes both ways.
@Suite struct WireJSONDifferentialTests {
    static let foundationEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The JSON object literals of the Anthropic and mock tool call tests, and a few more.
    static let corpus: [String] = [
        #"{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120}"#,
        #"{"role":"assistant","content":"Hello there","refusal":null}"#,
        #"{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,"prompt_tokens_details":{"cached_tokens":800,"audio_tokens":0}}"#,
        #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}"#,
        #"{"role":"assistant","content":"x"}"#,
        #"{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}"#,
        #"{"prompt_tokens":1000,"completion_tokens":5,"total_tokens":1005,"prompt_tokens_details":{"cached_tokens":300,"cache_write_tokens":600}}"#,
        #"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":42,"total_tokens":1042,"prompt_tokens_details":{"cached_tokens":600}}}"#,
        #"{"city": "Paris", "days": 3}"#,
        #"{"role":"assistant","content":"","refusal":null}"#,
        #"{"content":"Let me "}"#,
        #"{"content":"check."}"#,
        #"{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}"#,
        #"{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}"#,
        #"{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Par"}}]}"#,
        #"{"tool_calls":[{"index":0,"function":{"arguments":"is\", \"da"}}]}"#,
        #"{"tool_calls":[{"index":0,"function":{"arguments":"ys\": 3}"}}]}"#,
        #"{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"now","arguments":"{}"}}]}"#,
        #"{"type":"message_start","message":{"id":"chatcmpl-9","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":900,"output_tokens":0}}}"#,
        #"{"type":"ping"}"#,
        #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"check."}}"#,
        #"{"type":"content_block_stop","index":0}"#,
        #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_a","name":"get_weather","input":{}}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ty\": \"Par"}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\", \"da"}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ys\": 3}"}}"#,
        #"{"type":"content_block_stop","index":1}"#,
        #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_b","name":"now","input":{}}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}"#,
        #"{"type":"content_block_stop","index":2}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":400,"output_tokens":42,"cache_read_input_tokens":600,"cache_creation_input_tokens":0}}"#,
        #"{"type":"message_stop"}"#,
        #"{"role":"assistant","content":"Hi"}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":0}}"#,
        #"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"END"}]}"#,
        #"{"content":"Hi"}"#,
        #"{"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","param":null,"code":null}}"#,
        #"{"content":"more"}"#,
        #"{"type":"error","error":{"type":"rate_limit_error","message":"Rate limit reached"}}"#,
        #"{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}"#,
        #"{"content":"done"}"#,
        #"{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}"#,
        #"{"tool_calls":[{"index":1,"id":"c2","type":"function","function":{"name":"g","arguments":"{}"}}]}"#,
        #"{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}"#,
        #"{"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]}"#,
        #"{"tool_calls":[{"id":"c2","type":"function","function":{"name":"g","arguments":"{\"y\":"}}]}"#,
        #"{"tool_calls":[{"function":{"arguments":"2}"}}]}"#,
        #"{"model":"m","messages":[]}"#,
        #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"text":"x"}]}]}"#,
        #"{"model":"m","max_tokens":"5","messages":[]}"#,
        #"{"model":"m","max_tokens":5,"messages":[],"tool_choice":{"type":"sometimes"}}"#,
        #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
        #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#,
        #"{"type":"auto"}"#,
        #"{"type":"any"}"#,
        #"{"type":"tool","name":"f"}"#,
        #"{"type":"function","function":{"name":"f"}}"#,
        #"{"type":"none"}"#,
        #"{"model":"m","max_tokens":5,"system":"Be kind.","messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"m","max_completion_tokens":5,"messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"hi"}]}"#,
        #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search_20250305","name":"web_search"}],"tool_choice":{"type":"any"}}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}"#,
        #"{"input_per_mtok":"3","cached_input_per_mtok":"0.30","output_per_mtok":"15"}"#,
        #"{"model":"mock-echo","max_tokens":5}"#,
        #"{"model":"MODEL","system":"be brief","messages":[{"role":"user","content":"hello there friend"}]}"#,
        #"{"model":"claude-mock","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there friend"}]}"#,
        #"{"model":"claude-mock","prompt":"hi"}"#,
        #"{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}"#,
        #"{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,"prompt_tokens_details":{"cached_tokens":800}}"#,
        #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
        #"{"id":"msg_01","type":"message","role":"assistant","model":"claude","stop_reason":"tool_use","stop_sequence":null,"content":[{"type":"text","text":"Checking."},{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":3}}],"usage":{"input_tokens":50,"output_tokens":30,"cache_read_input_tokens":900,"cache_creation_input_tokens":100}}"#,
        #"{"role":"assistant","content":""}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":9}}"#,
        #"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"m","max_tokens":4096,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"m","max_tokens":77,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"id":"msg_2","type":"message","role":"assistant","model":"m","stop_reason":"tool_use","content":[{"type":"tool_use","id":"t","name":"f","input":{}}],"usage":{"input_tokens":1,"output_tokens":2}}"#,
        #"{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":500,"output_tokens":1}}}"#,
        #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}"#,
        #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Okay, "}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"checking."}}"#,
        #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ris\", \"days\""}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":": 3}"}}"#,
        #"{"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_02","name":"now","input":{}}}"#,
        #"{"type":"content_block_stop","index":3}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"#,
        #"{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}"#,
        #"{"index":0,"delta":{"content":"Okay, "},"finish_reason":null}"#,
        #"{"index":0,"delta":{"content":"checking."},"finish_reason":null}"#,
        #"{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}"#,
        #"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Pa"}}]},"finish_reason":null}"#,
        #"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ris\", \"days\""}}]},"finish_reason":null}"#,
        #"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":": 3}"}}]},"finish_reason":null}"#,
        #"{"index":0,"delta":{"tool_calls":[{"index":1,"id":"toolu_02","type":"function","function":{"name":"now","arguments":""}}]},"finish_reason":null}"#,
        #"{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"finish_reason":null}"#,
        #"{"index":0,"delta":{},"finish_reason":"tool_calls"}"#,
        #"{"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5","choices":[],"usage":{"prompt_tokens":525,"completion_tokens":89,"total_tokens":614,"prompt_tokens_details":{"cached_tokens":500}}}"#,
        #"{"error":{"message":"Overloaded","type":"server_error","param":null,"code":null}}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":4,"input_tokens":30,"cache_read_input_tokens":600}}"#,
        #"{"providers":[{"name":"a","type":"openai","models":["m"],"anthropic_version":"2023-06-01"}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"anthropic_version":""}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"anthropic_version":"2023 06 01"}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"base_url":"api.anthropic.com"}]}"#,
        #"{"model":"claude-mock","max_tokens":100,"system":"be brief","messages":[{"role":"user","content":"one two"},{"role":"assistant","content":"three"},{"role":"user","content":[{"type":"text","text":"hello there world"}]}]}"#,
        #"{"model":"claude-mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"claude-mock","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"stream me please"}]}"#,
        #"{"model":"claude-mock","max_tokens":2,"messages":[{"role":"user","content":"a b c d"}]}"#,
        #"{"model":"claude-mock","max_tokens":50,"stop_sequences":["END","c"],"messages":[{"role":"user","content":"a b c END d"}]}"#,
        #"{"model":"claude-mock","system":"x y","messages":[{"role":"user","content":"a b c"}]}"#,
        #"{"model":"claude-mock","messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"claude-nope","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#,
        #"{"model":"claude-mock","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"a b c"}]}"#,
        #"{"model":"claude-mock","max_tokens":5,"messages":[]}"#,
        #"{"model":"claude-mock","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"a b c d e f g h i j"}]}"#,
        #"{"type":"any","disable_parallel_tool_use":false}"#,
        #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}}}"#,
        #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}"#,
        #"{"i":3,"d":2.5,"big":9007199254740993,"n":null,"b":true,"a":[1,"x"]}"#,
        #"{"a":[1,"x"],"b":true,"big":9007199254740993,"d":2.5,"i":3,"n":null}"#,
        #"{"city":"Paris","days":3}"#,
        #"{"text":"in Paris please"}"#,
        #"{"text":"[1, 2]"}"#,
        #"{"text":"what is the weather"}"#,
        #"{"type":"function","function":{"name":"get_time"}}"#,
        #"{"text":"what time is it"}"#,
        #"{"city":"Oslo"}"#,
        #"{"city":"Paris","days":3,"units":"metric"}"#,
        #"{"city":"Paris"}"#,
        #"{"text":"which tool"}"#,
        #"{"text":"weather in Paris"}"#,
        #"{"model":"claude-sonnet-4-5","max_tokens":1024,"temperature":0.7,"system":"Be brief.","tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer","minimum":1,"maximum":1e1,"multipleOf":0.5}},"required":["city"],"additionalProperties":false}}],"messages":[{"role":"user","content":"What should I pack? \u00e9\ud83d\ude00 \"quoted\" back\\slash / tab\t nl\n ctl\u0001"}]}"#,
        #"{"a":[1,-1,0,-0,1.0,1e2,1.5,-2.25,1e21,1e-7,0.1,123456789012345678,9223372036854775807,-9223372036854775808,9223372036854775808,1E+2,2.5e-3],"b":{"Z":1,"_":2,"a":3,"a_b":4,"ab":5,"tools":6,"tool_choice":7,"é":8},"c":[true,false,null,"",[],{}]}"#,
        #"{"model":"gpt-4o","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}},{"type":"input_audio","input_audio":{"data":"AAA","format":"wav"}}]},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},{"role":"tool","tool_call_id":"c1","content":"42"}],"stop":"END","temperature":1,"top_p":0.9,"max_tokens":50,"tool_choice":{"type":"function","function":{"name":"f"}},"seed":7,"logit_bias":{"50256":-100}}"#,
    ]

    func foundationBytes(_ value: some Encodable) throws -> [UInt8] {
        Array(try Self.foundationEncoder.encode(value))
    }

    /// Decodes `text` as `type` both ways: both fail, or both give the same value, which then
    /// encodes to the same bytes both ways.
    func check<T: Codable & Equatable>(_ type: T.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let old = try? JSONDecoder().decode(type, from: Data(text.utf8))
        let new = try? WireJSON.decode(type, from: ByteBuffer(string: text))
        #expect(old == new, "\(type): \(text)", sourceLocation: sourceLocation)
        if let old {
            #expect(WireJSON.bytes(old) == (try foundationBytes(old)), "\(type): \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test func theCorpusDecodesAndEncodesAlike() throws {
        for text in Self.corpus {
            try check(JSONValue.self, text)
            try check(AnthropicMessagesRequest.self, text)
            try check(OpenAIChatRequest.self, text)
            try check(AnthropicMessage.self, text)
            try check(OpenAIChatCompletion.self, text)
            try check(OpenAIChatChunk.self, text)
            try check(AnthropicStreamEvent.self, text)
            try check(AnthropicError.self, text)
            try check(AnthropicContentBlock.self, text)
            try check(OpenAIUsage.self, text)
            try check(AnthropicUsage.self, text)
        }
        #expect((try? WireJSON.decode(JSONValue.self, from: Self.corpus[0])) != nil)
    }

    @Test func theTranslationsEncodeAlike() throws {
        for text in Self.corpus {
            if let request = try? WireJSON.decode(AnthropicMessagesRequest.self, from: text) {
                let chat = AnthropicRequestToChat.translate(request).value
                #expect(WireJSON.bytes(chat) == (try foundationBytes(chat)), "\(text)")
            }
            if let request = try? WireJSON.decode(OpenAIChatRequest.self, from: text) {
                let messages = ChatRequestToAnthropic.translate(request).value
                #expect(WireJSON.bytes(messages) == (try foundationBytes(messages)), "\(text)")
            }
            if let completion = try? WireJSON.decode(OpenAIChatCompletion.self, from: text) {
                let message = ChatCompletionToAnthropic.translate(completion, model: "m").value
                #expect(WireJSON.bytes(message) == (try foundationBytes(message)), "\(text)")
            }
            if let message = try? WireJSON.decode(AnthropicMessage.self, from: text) {
                let completion = AnthropicMessageToChat.translate(message, created: 1, model: "m").value
                #expect(WireJSON.bytes(completion) == (try foundationBytes(completion)), "\(text)")
            }
        }
    }

    @Test func numbersStringsAndKeysAreWrittenAsFoundationWritesThem() throws {
        let doubles: [Double] = [
            0.7, 1.5, 1e21, 1e-7, 1e20, 1.2345678901234568e20, 0.1, 1, -0.0, 3e-5, 5e-324, 1.7976931348623157e308, 100, 1e16, 1e17,
            0.001, 0.0001, 12345.678, 2.0 / 3.0, -1e-300, 4.35, 1e15, 123456789.125,
        ]
        #expect(WireJSON.bytes(doubles) == (try foundationBytes(doubles)))
        let integers: [Int] = [0, 1, -1, 9, 10, -10, 42, .max, .min, 1_000_000]
        #expect(WireJSON.bytes(integers) == (try foundationBytes(integers)))
        let controls = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let strings = [controls, "\u{7f}\"\\/é😀\u{2028}\u{2029}", "plain", "", "a/b\\c"]
        #expect(WireJSON.bytes(strings) == (try foundationBytes(strings)))
        let keys = ["tool_choice": 1, "tools": 2, "Tools": 3, "a10": 4, "a9": 5, "B": 6, "a": 7, "_x": 8, "é": 9, "z": 10, "ß": 11, "ａ": 12]
        #expect(WireJSON.bytes(keys) == (try foundationBytes(keys)))
        let optionals: [String?] = [nil, "x"]
        #expect(WireJSON.bytes(optionals) == (try foundationBytes(optionals)))
        #expect(WireJSON.string(Double.nan) == "null")
    }

    @Test func theParserIsStrict() throws {
        for text in [
            "", " ", "{", "[1,]", "{\"a\":1,}", "01", "-", "1.", ".5", "1e", "[]x", "tru", "nul", "\"\t\"", "\"\\x\"",
            "\"\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\u0041\"", "{\"a\" 1}", "{1:2}", "[1 2]", "1e400", "'a'", "\"abc",
        ] {
            #expect((try? JSONParser.parse(text)) == nil, "\(text)")
        }
        let parsed = try JSONParser.parse(" {\"a\" : [ 1 , 2.5 , \"\\ud83d\\ude00\\u00e9\\n\" ] } ")
        #expect(parsed == .object(["a": .array([.integer(1), .number(2.5), .string("😀é\n")])]))
        #expect(try JSONParser.parse("{\"a\":1,\"a\":2}") == .object(["a": .integer(1)]))
        #expect(try JSONParser.parse("[1.0,1e2,-0,9223372036854775808]") == .array([.integer(1), .integer(100), .integer(0), .number(9223372036854775808)]))
        let deep = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect((try? JSONParser.parse(deep)) != nil)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect((try? JSONParser.parse(tooDeep)) == nil)
        #expect((try? JSONParser.parse(String(decoding: [0x22, 0xFF, 0x22], as: UTF8.self))) != nil)  // repaired by String(decoding:)
        let invalidUTF8 = ByteBuffer(bytes: [0x22, 0xC3, 0x22])
        #expect((try? WireJSON.decode(JSONValue.self, from: invalidUTF8)) == nil)
    }

    @Test func errorsCarryFoundationsPaths() {
        let bodies = [
            #"{"model":"m","messages":[]}"#,
            #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"text":"x"}]}]}"#,
            #"{"model":"m","max_tokens":"5","messages":[]}"#,
            #"{"model":"m","max_tokens":null,"messages":[]}"#,
            #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":7}]}"#,
            #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":null}]}]}"#,
            #"{"model":"m","max_tokens":5,"messages":[{"role":"user"}]}"#,
            #"{"model":"m","max_tokens":5,"messages":{}}"#,
            #"{"model":"m","max_tokens":5,"messages":[],"tool_choice":{"type":"sometimes"}}"#,
            #"{"model":"m","max_tokens":5,"messages":[],"tools":[{"name":1}]}"#,
            #"{"model":"m","#,
        ]
        for body in bodies {
            var old: String?
            do { _ = try JSONDecoder().decode(AnthropicMessagesRequest.self, from: Data(body.utf8)) } catch { old = WireDecodingError(error).message }
            var new: String?
            do { _ = try WireJSON.decode(AnthropicMessagesRequest.self, from: body) } catch { new = WireDecodingError(error).message }
            #expect(old == new, "\(body)")
        }
        // Foundation said "The request body is not valid JSON." here.
        #expect(throws: WireDecodingError(message: "max_tokens: Input should be a valid integer")) {
            try WireDecodingError.decode(AnthropicMessagesRequest.self, from: ByteBuffer(string: #"{"model":"m","max_tokens":5.5,"messages":[]}"#))
        }
    }
}
