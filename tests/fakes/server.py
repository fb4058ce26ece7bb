"""A local HTTP server that answers Databricks REST paths from in-memory state.

Tests drive the real `databricks-sdk` against it: the SDK's retries, error mapping and
pagination all run for real. API families (jobs, Unity Catalog, serving, ...) add their routes
with `server.route(method, pattern, handler)`; a handler gets a `Request` and returns
`(status, body)`. Every request is logged, and faults can be queued for the next matching call:
an error answer instead of the handler's, or after it ran (the write happened, the client hears a
503 or nothing), or a dropped connection (no answer at all), optionally after a delay.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from databricks.sdk import WorkspaceClient

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BOOKKEEPING_FOLDER = ".lakestack"  # where lakestack keeps its lease in a workspace
DROP = -1  # a status that closes the connection without an answer


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    match: re.Match[str] | None = None

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


Handler = Callable[[Request], tuple[int, Any]]


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: Any
    times: int = 1
    reached: bool = False  # the handler runs (the write happens) before the fault answers
    delay: float = 0.0  # seconds before answering (past the client's HTTP timeout: a timeout)


@dataclass
class FakeDatabricks:
    """Routes, request log and fault queue; start() binds 127.0.0.1 on a free port."""

    routes: list[tuple[str, re.Pattern[str], Handler]] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _httpd: ThreadingHTTPServer | None = None

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail(self, method: str, pattern: str, status: int, message: str = "injected", times: int = 1,
             error_code: str = "TEMPORARILY_UNAVAILABLE", *, reached: bool = False, delay: float = 0.0) -> None:
        """The next `times` calls matching method and path regex answer `status` (or DROP) instead.

        With `reached`, the call is carried out first and only its answer is lost or replaced.
        """
        body = {"error_code": error_code, "message": message}
        self.faults.append(Fault(method, re.compile(f"^{pattern}$"), status, body, times, reached, delay))

    def drop(self, method: str, pattern: str, *, reached: bool = True, times: int = 1) -> None:
        """The next calls close the connection without an answer (after carrying out the call if `reached`)."""
        self.fail(method, pattern, DROP, times=times, reached=reached)

    def writes(self, prefix: str = "/api/", *, bookkeeping: bool = False) -> list[Request]:
        """Write requests; lakestack's own bookkeeping (its lease folder) only when asked for."""
        return [r for r in self.requests if r.method in WRITE_METHODS and r.path.startswith(prefix)
                and (bookkeeping or not _is_bookkeeping(r))]

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, **kwargs: Any) -> WorkspaceClient:
        """A real WorkspaceClient pointed at this server with a dummy token."""
        return WorkspaceClient(host=self.url, token="dapi-test-token", auth_type="pat", **kwargs)

    def start(self) -> FakeDatabricks:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def dispatch(self, request: Request) -> tuple[int, Any]:
        with self.lock:
            self.requests.append(request)
            fault = self._next_fault(request)
            if fault is not None and not fault.reached:
                answer = fault.status, fault.body
            else:
                answer = self._handle(request)
                if fault is not None:
                    answer = fault.status, fault.body
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        return answer

    def _next_fault(self, request: Request) -> Fault | None:
        for fault in self.faults:
            if fault.method == request.method and fault.pattern.match(request.path) and fault.times > 0:
                fault.times -= 1
                return fault
        return None

    def _handle(self, request: Request) -> tuple[int, Any]:
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                request.match = match
                return handler(request)
        return 404, {"error_code": "ENDPOINT_NOT_FOUND", "message": f"no route {request.method} {request.path}"}


def _is_bookkeeping(request: Request) -> bool:
    path = request.body.get("path", "") if isinstance(request.body, dict) else ""
    return f"/{BOOKKEEPING_FOLDER}" in str(path)


def _make_handler(server: FakeDatabricks) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = raw.decode("utf-8", "replace")
            request = Request(self.command, url.path, parse_qs(url.query), body)
            status, payload = server.dispatch(request)
            if status == DROP:  # HTTP/1.0: returning without an answer closes the connection
                return
            data = json.dumps(payload if payload is not None else {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if status == 429:
                self.send_header("Retry-After", "0")
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client stopped waiting (a timeout fault)
                return

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

    return _Handler
