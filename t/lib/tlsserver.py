# Copyright (c) 2026 The aileron authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES.

"""tlsserver.py: what the tests' HTTPS upstreams share: a threaded server on
a free loopback port that runs each TLS handshake in its handler's thread
(one stuck client cannot stall the accept loop) and ignores clients that
refuse its certificate (part of the tests)."""

import http.server
import ssl
import threading


class TLSServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler, certfile, keyfile, owner, timeout=10):
        """handler sees the owner as self.server.upstream."""
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(certfile, keyfile)
        self.sock_timeout = timeout
        self.upstream = owner
        super().__init__(("127.0.0.1", 0), handler)
        self.port = self.server_address[1]
        self.thread = threading.Thread(target=self.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    def handle_error(self, request, client_address):
        pass

    def get_request(self):
        sock, addr = self.socket.accept()
        sock.settimeout(self.sock_timeout)
        return (self.ctx.wrap_socket(sock, server_side=True,
                                     do_handshake_on_connect=False), addr)

    def close(self):
        self.shutdown()
        self.server_close()
