"""What a load run records (one Sample per request) and reports (LoadResult, per-endpoint figures)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from benchmarks.stats import percentiles_ms

UPLOAD, LIST, SEARCH, SIMILAR, POLL = "upload", "gallery list", "text search", "find-similar", "status poll"


@dataclass(frozen=True)
class Sample:
    endpoint: str
    status: int  # 0: no HTTP response (refused, reset, timed out)
    seconds: float


@dataclass
class EndpointFigures:
    endpoint: str
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    server_errors: int
    client_errors: int
    no_response: int


@dataclass
class LoadResult:
    url: str
    model: str
    uploaders: int
    searchers: int
    source: str
    photos_sent: int
    added: int  # 201, one new photo each
    upload_failures: int  # anything else (no photo added)
    upload_seconds: float
    uploads_per_s: float
    processing_seconds: float  # server side: first photo created -> last photo ready
    processed_per_s: float
    ready: int
    failed: int
    lost: int  # added but not ready at the end
    lost_ids: list[int]
    server_errors: int  # 5xx on any request
    no_response: int
    search_seconds: float  # how long the searchers ran (upload start -> all ready)
    endpoints: list[EndpointFigures] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.server_errors or self.no_response or self.lost or self.upload_failures)


def load_result(*, url, model, uploaders, searchers, source, photos, added, final, samples, upload_seconds,
            search_seconds) -> LoadResult:
    ready = [final[i] for i in added if final.get(i, {}).get("status") == "ready"]
    lost = sorted(i for i in added if final.get(i, {}).get("status") != "ready")
    created = [_time(final[i]["created_at"]) for i in added if i in final]
    processed = [_time(item["processed_at"]) for item in ready if item.get("processed_at")]
    processing_seconds = (max(processed) - min(created)).total_seconds() if processed and created else 0.0
    return LoadResult(
        url=url, model=model, uploaders=uploaders, searchers=searchers, source=source, photos_sent=len(photos),
        added=len(added), upload_failures=len(photos) - len(added), upload_seconds=round(upload_seconds, 2),
        uploads_per_s=round(len(added) / upload_seconds, 2) if upload_seconds else 0.0,
        processing_seconds=round(processing_seconds, 2),
        processed_per_s=round(len(ready) / processing_seconds, 2) if processing_seconds else 0.0,
        ready=len(ready), failed=sum(1 for i in added if final.get(i, {}).get("status") == "failed"),
        lost=len(lost), lost_ids=lost[:50],
        server_errors=sum(1 for s in samples if s.status >= 500), no_response=sum(1 for s in samples if s.status == 0),
        search_seconds=round(search_seconds, 2),
        endpoints=endpoint_figures(samples=samples, seconds={UPLOAD: upload_seconds}, default_seconds=search_seconds),
    )


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def endpoint_figures(*, samples: list[Sample], seconds: dict[str, float], default_seconds: float
                     ) -> list[EndpointFigures]:
    """Per endpoint: requests, requests/s over its window, p50/p95 latency and error counts."""
    figures = []
    for endpoint in (UPLOAD, LIST, SEARCH, SIMILAR):
        own = [s for s in samples if s.endpoint == endpoint]
        if not own:
            continue
        p50_ms, p95_ms = percentiles_ms([s.seconds for s in own])
        window = seconds.get(endpoint, default_seconds)
        figures.append(EndpointFigures(
            endpoint=endpoint, requests=len(own), per_second=round(len(own) / window, 2) if window else 0.0,
            p50_ms=round(p50_ms, 1), p95_ms=round(p95_ms, 1),
            server_errors=sum(1 for s in own if s.status >= 500),
            client_errors=sum(1 for s in own if 400 <= s.status < 500), no_response=sum(1 for s in own if s.status == 0)))
    return figures
