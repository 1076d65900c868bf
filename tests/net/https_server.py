#!/usr/bin/python3
"""https_server.py - the MTA-STS policy host of the hermetic test network.

Usage: /usr/bin/python3 https_server.py --root DIR/www --cert CHAIN.pem
           --key KEY.pem --log DIR/https.log [--listen 127.0.0.1:443]
           [--die-with-parent]

Serves every policy host from one listener (stdlib only: http.server +
ssl). Prints "READY <addr>:<port>" on stdout once it accepts connections;
stops on SIGTERM/SIGINT.

TLS: the certificate is chosen by SNI. ROOT/<sni>/cert.pem + key.pem if they
exist (e.g. a wrong-name, expired or untrusted certificate), else the
default --cert/--key. Handshakes run in the worker threads.

HTTP: routed on the Host header (port stripped, lower-cased; SNI when there
is no Host). Everything for host H is read from ROOT/H/ at each request, so
tests change behaviour without a restart:
  policy      the body; served for GET /.well-known/mta-sts.txt as
              text/plain; charset=utf-8 with 200
  meta.json   optional behaviour, all keys optional:
                status            HTTP status instead of 200 (the body is
                                  still the policy, if any, so a client
                                  that ignores the status is caught)
                location          Location header (with a 3xx status)
                content_type      Content-Type instead of text/plain
                delay             seconds to wait before answering
                body              body text instead of the policy file
                body_size         pad the body to this many bytes with
                                  "pad: xxx..." lines (a still well-formed
                                  policy, only too big)
                no_content_length true: no Content-Length; the end of the
                                  body is the end of the connection
                headers           {"Name": "value"} extra response headers
No directory for H, another path, or no body: 404.

Log: one JSON object a line, written before the answer is sent:
  {"event": "request", "host": H, "path": P, "method": M, "status": S,
   "user_agent": UA, "sni": SNI, "time": T}
  {"event": "tls_error", "sni": SNI, "error": E, "time": T}
"""

import argparse
import json
import os
import re
import socket
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
from tbproc import die_with_parent  # noqa: E402 (beside this script)
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WELL_KNOWN = "/.well-known/mta-sts.txt"
HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$")
PAD_LINE = "pad: " + "x" * 58 + "\n"  # 64 bytes, an extension field


def safe_host(name):
    """The lower-cased host name if it is a plain DNS name, else None."""
    if not name:
        return None
    name = name.strip().lower().rstrip(".")
    if not HOST_RE.match(name) or ".." in name:
        return None
    return name


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.fp = open(path, "a", encoding="utf-8", buffering=1)

    def write(self, **rec):
        rec["time"] = round(time.time(), 3)
        line = json.dumps(rec) + "\n"
        with self.lock:
            self.fp.write(line)
            self.fp.flush()


class Certs:
    """SSL contexts: the default one and one per host with its own cert."""

    def __init__(self, root, cert, key):
        self.root = root
        self.lock = threading.Lock()
        self.cache = {}  # cert path -> (mtime, context)
        self.local = threading.local()
        self.default = self.make(cert, key)

    def make(self, cert, key):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(cert, key)
        ctx.sni_callback = self.sni
        return ctx

    def sni(self, sslobj, name, ctx):
        self.local.sni = name
        host = safe_host(name)
        if host is None:
            return None
        cert = os.path.join(self.root, host, "cert.pem")
        key = os.path.join(self.root, host, "key.pem")
        try:
            mtime = os.stat(cert).st_mtime
        except OSError:
            return None
        with self.lock:
            hit = self.cache.get(cert)
            if hit is None or hit[0] != mtime:
                hit = (mtime, self.make(cert, key))
                self.cache[cert] = hit
        sslobj.context = hit[1]
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, certs, root, log):
        self.certs = certs
        self.root = root
        self.log = log
        super().__init__(addr, Handler)

    def process_request_thread(self, request, client_address):
        # TLS handshake here, in the worker thread, not in accept()
        certs = self.certs
        certs.local.sni = None
        try:
            request.settimeout(10)
            tls = certs.default.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.log.write(event="tls_error", sni=certs.local.sni, error=str(e))
            try:
                request.close()
            except OSError:
                pass
            return
        tls.mxtls_sni = certs.local.sni
        super().process_request_thread(tls, client_address)

    def shutdown_request(self, request):
        # close_notify first: a body without Content-Length ends here, and
        # OpenSSL 3 clients treat a bare TCP close as an error
        if isinstance(request, ssl.SSLSocket):
            try:
                request.settimeout(1)
                request = request.unwrap()
            except (ssl.SSLError, OSError, ValueError):
                pass
        try:
            request.close()
        except OSError:
            pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            return  # the client went away (e.g. size limit, timeout)
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else ~40 ms per response (Nagle + ACK)
    server_version = "mxtls-testbed/1"
    sys_version = ""
    timeout = 10

    def log_message(self, fmt, *args):
        pass  # the JSON log replaces the access log

    def do_GET(self):
        self.respond(True)

    def do_HEAD(self):
        self.respond(False)

    def do_POST(self):
        self.respond(False, status=405)

    def host(self):
        raw = self.headers.get("Host")
        sni = getattr(self.connection, "mxtls_sni", None)
        if raw is None:
            return safe_host(sni), sni
        raw = raw.strip()
        m = re.match(r"^(.*?)(:\d+)?$", raw)
        return safe_host(m.group(1)), raw

    def meta(self, hostdir):
        try:
            with open(os.path.join(hostdir, "meta.json"), encoding="utf-8") as f:
                meta = json.load(f)
            return meta if isinstance(meta, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            sys.stderr.write("https_server: %s/meta.json: %s\n" % (hostdir, e))
            return {"status": 500}

    def respond(self, with_body, status=None):
        host, raw_host = self.host()
        path = self.path
        meta = {}
        body = None
        if host is not None and path == WELL_KNOWN and status is None:
            hostdir = os.path.join(self.server.root, host)
            if os.path.isdir(hostdir):
                meta = self.meta(hostdir)
                if "body" in meta:
                    body = str(meta["body"]).encode()
                else:
                    try:
                        with open(os.path.join(hostdir, "policy"), "rb") as f:
                            body = f.read()
                    except FileNotFoundError:
                        body = None
        if status is None:
            if "status" in meta:
                status = int(meta["status"])
            else:
                status = 200 if body is not None else 404
        if body is None:
            body = b"not found\n" if status == 404 else b""
        size = meta.get("body_size")
        if size:
            pad = PAD_LINE.encode()
            if body and not body.endswith(b"\n"):
                body += b"\n"
            while len(body) < size:
                body += pad
            body = body[:size]
        ctype = meta.get("content_type", "text/plain; charset=utf-8")
        self.server.log.write(
            event="request", host=host if host is not None else raw_host,
            path=path, method=self.command, status=status,
            user_agent=self.headers.get("User-Agent"),
            sni=getattr(self.connection, "mxtls_sni", None))
        delay = float(meta.get("delay", 0) or 0)
        if delay > 0:
            time.sleep(delay)
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if meta.get("location"):
            self.send_header("Location", meta["location"])
        for name, value in (meta.get("headers") or {}).items():
            self.send_header(name, str(value))
        if not meta.get("no_content_length"):
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if with_body:
            self.wfile.write(body)
        self.wfile.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="the www directory")
    ap.add_argument("--cert", required=True, help="default certificate chain")
    ap.add_argument("--key", required=True, help="its private key")
    ap.add_argument("--log", required=True, help="JSON-lines request log")
    ap.add_argument("--listen", default="127.0.0.1:443", help="ADDR:PORT")
    ap.add_argument("--die-with-parent", action="store_true",
                    help="exit when the starting process exits (Linux)")
    args = ap.parse_args()
    if args.die_with_parent:
        die_with_parent()

    addr, _, port = args.listen.rpartition(":")
    root = os.path.abspath(args.root)
    certs = Certs(root, args.cert, args.key)
    server = Server((addr, int(port)), certs, root, Log(args.log))
    print("READY %s:%d" % server.server_address[:2], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
