"""A test OTLP/HTTP trace receiver for the tracing integration tests (Tests/IntegrationTests/TracingTests.swift).

Listens on 127.0.0.1:<port> (argv[1]) and accepts `POST /v1/traces` (protobuf, or gzip'd protobuf),
decoded with `opentelemetry-proto` (PyPI). Answers:
  GET /healthz  -> 200 "ok"
  GET /spans    -> {"exports": N, "spans": [{trace_id, span_id, parent_span_id, name, kind, service,
                    attributes: {...}, events: [{name, attributes}], status_code, status_message,
                    start_ns, end_ns}]}
  GET /raw      -> every export's bytes (decompressed), concatenated, for "no secret anywhere" checks
"""
import gzip
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

lock = threading.Lock()
spans = []
raw = bytearray()
exports = 0

KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind == "array_value":
        return [value(v) for v in any_value.array_value.values]
    if kind is None:
        return None
    return getattr(any_value, kind)


def attributes(pairs):
    return {pair.key: value(pair.value) for pair in pairs}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/healthz":
            return self.answer(200, b"ok", "text/plain")
        with lock:
            if self.path == "/spans":
                return self.answer(200, json.dumps({"exports": exports, "spans": spans}).encode())
            if self.path == "/raw":
                return self.answer(200, bytes(raw), "application/octet-stream")
        self.answer(404, b"{}")

    def do_POST(self):
        global exports
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if self.path != "/v1/traces":
            return self.answer(404, b"{}")
        request = trace_service_pb2.ExportTraceServiceRequest()
        request.ParseFromString(body)
        decoded = []
        for resource_spans in request.resource_spans:
            service = attributes(resource_spans.resource.attributes).get("service.name")
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    decoded.append({
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex(),
                        "name": span.name,
                        "kind": KINDS.get(span.kind, str(span.kind)),
                        "service": service,
                        "attributes": attributes(span.attributes),
                        "events": [{"name": e.name, "attributes": attributes(e.attributes)} for e in span.events],
                        "status_code": span.status.code,
                        "status_message": span.status.message,
                        "start_ns": span.start_time_unix_nano,
                        "end_ns": span.end_time_unix_nano,
                    })
        with lock:
            exports += 1
            spans.extend(decoded)
            raw.extend(body)
        self.answer(200, trace_service_pb2.ExportTraceServiceResponse().SerializeToString(), "application/x-protobuf")


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    print("OTLP receiver listening", flush=True)
    server.serve_forever()
