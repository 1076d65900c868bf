#!/usr/bin/python3
"""smtp_server.py - an SMTP server with STARTTLS for the hermetic test network.

Usage: /usr/bin/python3 smtp_server.py --listen 127.0.0.11:25
           [--cert CHAIN.pem --key KEY.pem] [--no-starttls]
           [--stall connect|banner|ehlo|starttls|handshake] [--hostname NAME]
           [--log FILE] [--die-with-parent]

One listener, one thread per connection (stdlib only: socketserver + ssl).
Prints "READY <addr>:<port>" on stdout once it accepts connections; stops
on SIGTERM/SIGINT.

SMTP: a 220 banner; EHLO (multi-line 250 that offers STARTTLS unless
--no-starttls, or when TLS is already on) and HELO; STARTTLS -> 220, then
the TLS handshake with CHAIN.pem (leaf and intermediates, all sent) and
KEY.pem, then the client starts over with EHLO; MAIL, RCPT, DATA (354, the
message up to "."), RSET, NOOP, VRFY (252) and QUIT accepted; anything else
gets 500. Commands before EHLO/HELO get 503, STARTTLS inside TLS 503.
Data the client pipelined behind STARTTLS is discarded (RFC 3207 sec. 6).

--stall STAGE: accept the TCP connection and then say nothing more, from
  connect     never: the listen queue (backlog 0) is filled by the server's
              own connections and nothing is accepted, so a client's SYN is
              dropped and its connect() cannot complete
  banner      before the 220 banner
  ehlo        after the banner, no answer to EHLO/HELO
  starttls    after the EHLO answer, no answer to STARTTLS
  handshake   after "220 ready to start TLS", no TLS handshake (the
              ClientHello is read and ignored)
A stalled connection is held until the client closes it (at most an hour).

Log: one JSON object a line, written when a session ends (before the 221
answer to QUIT, or when the client goes away):
  {"event": "session", "peer": "127.0.0.1:40000", "sni": SNI or null,
   "tls": "TLSv1.3" or null, "cipher": C or null, "tls_error": E or null,
   "stalled": STAGE or null, "messages": N, "commands": ["EHLO x",
   "STARTTLS", "EHLO x", "MAIL FROM:<a@b>", ...], "time": T}
"messages" counts the messages accepted with 250 after DATA.
"""

import argparse
import json
import os
import socket
import socketserver
import ssl
import sys
import threading
import time

sys.dont_write_bytecode = True  # the source tree may be read-only
from tbproc import die_with_parent  # noqa: E402 (beside this script)

STAGES = ("connect", "banner", "ehlo", "starttls", "handshake")
IDLE_TIMEOUT = 300  # seconds without a command before the server hangs up
STALL_LIMIT = 3600  # a stalled connection is dropped after this
MAX_LINE = 4096


class Log:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.fp = open(path, "a", encoding="utf-8", buffering=1) if path else None

    def write(self, **rec):
        if self.fp is None:
            return
        rec["time"] = round(time.time(), 3)
        line = json.dumps(rec) + "\n"
        with self.lock:
            self.fp.write(line)
            self.fp.flush()


class Closed(Exception):
    """The client went away (EOF, reset, timeout)."""


class Session:
    def __init__(self, server, sock, peer):
        self.server = server
        self.sock = sock
        self.buf = b""
        self.rec = {"event": "session", "peer": "%s:%d" % peer[:2],
                    "sni": None, "tls": None, "cipher": None,
                    "tls_error": None, "stalled": None, "messages": 0,
                    "commands": []}
        self.logged = False
        self.greeted = False

    # -------------------------------------------------------------- I/O
    def send(self, text):
        try:
            self.sock.sendall(text.encode("utf-8", "replace"))
        except OSError as e:
            raise Closed() from e

    def reply(self, *lines):
        """reply(CODE, TEXT...): one line per TEXT, "CODE-" on all but
        the last, which gets "CODE "."""
        code, texts = lines[0], lines[1:]
        out = []
        for i, t in enumerate(texts):
            sep = " " if i == len(texts) - 1 else "-"
            out.append("%d%s%s\r\n" % (code, sep, t))
        self.send("".join(out))

    def readline(self):
        while b"\n" not in self.buf:
            if len(self.buf) > MAX_LINE:
                raise Closed()
            try:
                chunk = self.sock.recv(4096)
            except (OSError, ssl.SSLError) as e:
                raise Closed() from e
            if not chunk:
                raise Closed()
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def stall(self, stage):
        """Say nothing; read and drop whatever comes until EOF."""
        self.rec["stalled"] = stage
        self.sock.settimeout(STALL_LIMIT)
        try:
            while self.sock.recv(4096):
                pass
        except OSError:
            pass
        raise Closed()

    def log(self):
        if not self.logged:
            self.logged = True
            self.server.log.write(**self.rec)

    # -------------------------------------------------------------- SMTP
    def run(self):
        try:
            self.sock.settimeout(IDLE_TIMEOUT)
            if self.server.stall == "banner":
                self.stall("banner")
            self.reply(220, "%s ESMTP mxtls testbed" % self.server.hostname)
            while True:
                line = self.readline()
                if not self.command(line):
                    break
        except Closed:
            pass
        finally:
            self.log()

    def ehlo_lines(self, name):
        lines = ["%s greets %s" % (self.server.hostname, name),
                 "PIPELINING", "SIZE 10240000", "8BITMIME"]
        if self.server.ctx is not None and self.rec["tls"] is None:
            lines.append("STARTTLS")
        lines.append("ENHANCEDSTATUSCODES")
        return lines

    def command(self, line):
        """Handle one command line; False ends the session."""
        self.rec["commands"].append(line)
        verb = line.split(" ", 1)[0].upper()
        arg = line[len(verb):].strip()
        if verb in ("EHLO", "HELO"):
            if self.server.stall == "ehlo":
                self.stall("ehlo")
            self.greeted = True
            if verb == "EHLO":
                self.reply(250, *self.ehlo_lines(arg or "unknown"))
            else:
                self.reply(250, self.server.hostname)
        elif verb == "STARTTLS":
            if self.server.ctx is None:
                self.reply(500, "5.5.1 command not recognized")
            elif self.rec["tls"] is not None:
                self.reply(503, "5.5.1 TLS already active")
            elif not self.greeted:
                self.reply(503, "5.5.1 EHLO first")
            else:
                if self.server.stall == "starttls":
                    self.stall("starttls")
                self.reply(220, "2.0.0 ready to start TLS")
                return self.starttls()
        elif verb == "QUIT":
            self.log()
            self.reply(221, "2.0.0 bye")
            return False
        elif verb in ("NOOP", "RSET"):
            self.reply(250, "2.0.0 ok")
        elif verb == "VRFY":
            self.reply(252, "2.0.0 cannot verify, will try")
        elif verb in ("MAIL", "RCPT", "DATA"):
            if not self.greeted:
                self.reply(503, "5.5.1 EHLO first")
            elif verb == "DATA":
                self.reply(354, "end data with <CR><LF>.<CR><LF>")
                size = 0
                while True:
                    data = self.readline()
                    if data == ".":
                        break
                    size += len(data) + 2
                self.rec["messages"] += 1
                self.rec.setdefault("message_sizes", []).append(size)
                self.reply(250, "2.0.0 queued (tls=%s)"
                           % ("yes" if self.rec["tls"] else "no"))
            else:
                self.reply(250, "2.1.0 ok")
        else:
            self.reply(500, "5.5.2 command not recognized")
        return True

    def starttls(self):
        self.buf = b""  # no command injection through pipelining
        if self.server.stall == "handshake":
            self.stall("handshake")
        # the SNI callback runs in this thread, inside do_handshake
        local = self.server.local
        local.sni = None
        try:
            self.sock.settimeout(30)
            tls = self.server.ctx.wrap_socket(self.sock, server_side=True)
        except (OSError, ssl.SSLError) as e:
            self.rec["sni"] = local.sni
            self.rec["tls_error"] = str(e)
            raise Closed() from e
        self.sock = tls
        self.sock.settimeout(IDLE_TIMEOUT)
        self.rec["sni"] = local.sni
        self.rec["tls"] = tls.version()
        self.rec["cipher"] = (tls.cipher() or (None,))[0]
        self.greeted = False
        return True


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, ctx, stall, hostname, log):
        self.ctx = ctx
        self.stall = stall
        self.hostname = hostname
        self.log = log
        self.local = threading.local()
        if ctx is not None:
            ctx.sni_callback = self.remember_sni
        super().__init__(addr, Handler)

    def remember_sni(self, sslobj, name, ctx):
        self.local.sni = name
        return None

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout)):
            return
        super().handle_error(request, client_address)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s = Session(self.server, self.request, self.client_address)
        s.run()
        if s.sock is not self.request:  # TLS: close_notify, then close
            try:
                s.sock.settimeout(1)
                s.sock.unwrap()
            except (OSError, ssl.SSLError, ValueError):
                pass


def make_context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def stall_connect(addr, port):
    """Listen with a full accept queue and never accept: connect() hangs."""
    lsock = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind((addr, port))
    lsock.listen(0)
    fillers = []
    for _ in range(3):  # backlog 0 still queues one; fill it for sure
        c = socket.socket(lsock.family)
        c.setblocking(False)
        try:
            c.connect((addr, port))
        except BlockingIOError:
            pass
        fillers.append(c)
    time.sleep(0.2)
    print("READY %s:%d" % (addr, port), flush=True)
    try:
        while True:  # SIGTERM ends the process (default action)
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    for c in fillers:
        c.close()
    lsock.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", default="127.0.0.1:25", help="ADDR:PORT")
    ap.add_argument("--cert", help="certificate chain (leaf first)")
    ap.add_argument("--key", help="its private key")
    ap.add_argument("--no-starttls", action="store_true",
                    help="do not offer or accept STARTTLS")
    ap.add_argument("--stall", choices=STAGES,
                    help="go silent at this stage")
    ap.add_argument("--hostname", default="mx.testbed.test",
                    help="name in the banner and EHLO reply")
    ap.add_argument("--log", help="JSON-lines session log")
    ap.add_argument("--die-with-parent", action="store_true",
                    help="exit when the starting process exits (Linux)")
    args = ap.parse_args()
    if args.die_with_parent:
        die_with_parent()
    ctx = None
    if not args.no_starttls:
        if not args.cert or not args.key:
            ap.error("--cert and --key are needed unless --no-starttls")
        ctx = make_context(args.cert, args.key)
    addr, _, port = args.listen.rpartition(":")
    if args.stall == "connect":
        stall_connect(addr.strip("[]"), int(port))
        return
    server = Server((addr.strip("[]"), int(port)), ctx, args.stall,
                    args.hostname, Log(args.log))
    print("READY %s:%d" % server.server_address[:2], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    main()
