"""A minimal HTTP forward proxy for the gateway's egress-proxy test (HTTP_PROXY).

Takes `CONNECT host:port` tunnels (what AsyncHTTPClient opens, for http and https origins alike)
and absolute-form requests (`POST http://host:port/path HTTP/1.1`, what curl sends for http), and
prints `PROXIED <method> <target>` for each, so the test can tell that provider traffic went
through it. Standard library only.

Usage: python forward_proxy.py PORT
"""

import http.client
import http.server
import select
import socket
import sys
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"}


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def forward(self):
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http" or not url.hostname:
            self.send_error(400, "absolute http:// URL expected")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        origin = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        path = url.path + ("?" + url.query if url.query else "")
        origin.request(self.command, path, body=body, headers=headers)
        answer = origin.getresponse()
        data = answer.read()
        print(f"PROXIED {self.command} {self.path}", flush=True)
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        origin.close()

    do_GET = forward
    do_POST = forward

    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        try:
            origin = socket.create_connection((host, int(port)), timeout=10)
        except OSError as error:
            self.send_error(502, f"cannot reach {self.path}: {error}")
            return
        print(f"PROXIED CONNECT {self.path}", flush=True)
        self.send_response(200, "Connection Established")
        self.end_headers()
        client = self.connection
        sockets = [client, origin]
        try:
            while True:
                readable, _, broken = select.select(sockets, [], sockets, 60)
                if broken or not readable:
                    break
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (origin if source is client else client).sendall(data)
        finally:
            origin.close()
            self.close_connection = True

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Proxy)
    print("LISTENING", flush=True)
    server.serve_forever()
