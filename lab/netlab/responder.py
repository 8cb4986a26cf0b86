# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A pod's workload: answer every HTTP request with the pod's name.

``python -m netlab.responder --name NAME --port 8080 [--port ...] [--ready-file F]``
serves on 0.0.0.0 (inside the pod's namespace) and writes the ready file once
every port listens. It runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import http.server
import os
import signal
import sys
import threading
from typing import Any, Optional


def handler_for(name: str) -> type:
    """A request handler class that answers ``<name>\\n``."""
    body = (name + "\n").encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        """Answers GET and HEAD with the pod's name."""

        server_version = "flatnet-lab-responder"

        def do_GET(self) -> None:  # pylint: disable=invalid-name
            """The pod's name."""
            self._answer(True)

        def do_HEAD(self) -> None:  # pylint: disable=invalid-name
            """The headers of the answer."""
            self._answer(False)

        def _answer(self, with_body: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
            """Quiet: a lab pod does not log every request."""

    return Handler


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netlab.responder", description="Answer HTTP requests with the pod's name.")
    parser.add_argument("--name", required=True, help="the pod's name, the answer")
    parser.add_argument("--port", type=int, action="append", required=True, help="a TCP port to serve (repeatable)")
    parser.add_argument("--ready-file", help="written once every port listens")
    return parser


def main(argv: Optional[list] = None) -> int:
    """Serve until a signal."""
    args = _parser().parse_args(argv)
    servers = [http.server.ThreadingHTTPServer(("0.0.0.0", port), handler_for(args.name)) for port in sorted(set(args.port))]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    if args.ready_file:
        with open(args.ready_file, "w", encoding="utf-8") as handle:
            handle.write("%d\n" % os.getpid())
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stopping.set())
    while not stopping.wait(3600):
        pass
    for server in servers:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
