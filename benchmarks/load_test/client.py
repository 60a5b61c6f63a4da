"""A token-authenticated JSON client for the load test, on the standard library (urllib)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from urllib.parse import urlencode

from benchmarks.load_test.results import UPLOAD, Sample


class ApiClient:
    """A token-authenticated JSON client on urllib that records every request's outcome."""

    def __init__(self, *, url: str, token: str, samples: list[Sample], timeout: float = 120.0):
        self.url, self.timeout, self.samples = url.rstrip("/"), timeout, samples
        self.headers = {"Authorization": f"Token {token}", "Accept": "application/json"}

    def get(self, endpoint: str, path: str, **params) -> tuple[int, object]:
        query = f"?{urlencode(params)}" if params else ""
        return self._send(endpoint, urllib.request.Request(self.url + path + query, headers=self.headers))

    def upload(self, *, name: str, data: bytes) -> tuple[int, object]:
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        headers = {**self.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self._send(UPLOAD, urllib.request.Request(f"{self.url}/api/v1/photos/", data=body, headers=headers))

    def _send(self, endpoint: str, request: urllib.request.Request) -> tuple[int, object]:
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except (OSError, urllib.error.URLError):  # refused, reset, timed out: no answer at all
            status, body = 0, b""
        self.samples.append(Sample(endpoint=endpoint, status=status, seconds=time.perf_counter() - started))
        try:
            return status, json.loads(body) if body else None
        except ValueError:
            return status, None
