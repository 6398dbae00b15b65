import NIOCore
import ServiceSupport
import TokenProtocol

/// A usage report's JSON written straight into a buffer: the reporter sends a batch of up to 1,000
/// records four times a second, and `JSONEncoder` (about 10 µs a record) cost the gateway more per
/// request than the rest of the accounting together (bench/HISTORY.md). `UsageReportJSONTests`
/// decodes the output with `JSONDecoder` and compares it with the report, escapes included.
enum UsageReportJSON {
    static func encode(_ report: UsageReport) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(64 + report.records.count * 320)
        buffer.writeStaticString(#"{"records":["#)
        for (index, record) in report.records.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: ",")) }
            buffer.writeStaticString(#"{"cached_tokens":"#)
            buffer.writeString(String(record.cachedTokens))
            buffer.writeStaticString(#","completion_tokens":"#)
            buffer.writeString(String(record.completionTokens))
            buffer.writeStaticString(#","cost_nano_usd":"#)
            buffer.writeString(String(record.costNanoUSD.value))
            buffer.writeStaticString(record.estimated ? #","estimated":true,"id":"# : #","estimated":false,"id":"#)
            buffer.writeJSONString(record.id)
            if let holder = record.leaseHolder {
                buffer.writeStaticString(#","lease_holder":"#)
                buffer.writeJSONString(holder)
            }
            buffer.writeStaticString(#","model":"#)
            buffer.writeJSONString(record.model)
            buffer.writeStaticString(record.priced ? #","priced":true,"prompt_tokens":"# : #","priced":false,"prompt_tokens":"#)
            buffer.writeString(String(record.promptTokens))
            buffer.writeStaticString(#","provider":"#)
            buffer.writeJSONString(record.provider)
            buffer.writeStaticString(#","subject":"#)
            buffer.writeJSONString(record.subject)
            buffer.writeStaticString(#","time":"#)
            buffer.writeString(String(record.time))
            buffer.writeStaticString(#","token_id":"#)
            buffer.writeJSONString(record.tokenID)
            buffer.writeInteger(UInt8(ascii: "}"))
        }
        buffer.writeStaticString("]}")
        return buffer
    }
}
