"""Headless Chromium (Debian's package, driven by Playwright) against a live Django server.

Fixtures:
- `browser`: one Chromium per module; the tests skip with a reason when Chromium or Playwright is missing.
- `new_page` / `page`: a fresh browser context (own cookies) per page, desktop size unless told otherwise.
  A failing test leaves reports/screenshots/<test name>-failure.png of every page it opened.
  Each page records its console errors and uncaught exceptions (`console_errors(page)`); any test
  whose pages hit the Content-Security-Policy fails.
- `live_url`: the base URL of pytest-django's live server (transactional database: committed data).
- `live_app`: `live_url` plus a real Celery worker over Redis that processes the uploaded photos.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from benchmarks.datasets import default_datasets_root
from search.clip import weights
from tests import images, workers

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
REPORTS = Path(__file__).resolve().parents[2] / "reports"
SCREENSHOTS = REPORTS / "screenshots"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
REDIS_DB = 13
CALTECH = default_datasets_root() / "caltech101"
CALTECH_CLASSES = ["sunflower", "helicopter", "Leopards", "butterfly", "accordion", "anchor", "pizza"]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _failed(request) -> bool:
    return any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False) for when in ("setup", "call"))


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot under reports/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_safe_name(name)}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled")
    return path


# --- Browser ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium); browser tests need Debian's Chromium")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional: skip without it
    except ImportError:
        pytest.skip("playwright is not installed (pip install -r requirements-dev.txt)")

    # Playwright's sync API keeps an asyncio loop running on this thread, and Django refuses ORM calls
    # "from an async context" while one runs. The ORM calls here are plain synchronous test code.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    except Exception as exc:  # noqa: BLE001 - any launch failure skips the browser tests
        playwright.stop()
        _restore_env(previous)
        pytest.skip(f"Chromium at {CHROMIUM} did not start: {exc}")
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()
        _restore_env(previous)


def _restore_env(previous: str | None) -> None:
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


_CONSOLE_ERRORS: dict[int, list[str]] = {}


def console_errors(page) -> list[str]:
    """The console errors and uncaught exceptions of a page so far (a failed resource load counts)."""
    return _CONSOLE_ERRORS.setdefault(id(page), [])


_LISTENING: set[int] = set()


def _listen(page) -> None:
    if id(page) in _LISTENING:
        return
    _LISTENING.add(id(page))
    errors = console_errors(page)
    page.on("console", lambda message: errors.append(f"{page.url}: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: uncaught {error}"))


@pytest.fixture
def new_page(browser, request):
    """Open a page in a new context (own cookies). On failure, each page open at the end is saved."""
    contexts = []

    def open_page(*, viewport: dict | None = None, **context_options):
        context = browser.new_context(viewport=viewport or DESKTOP, **context_options)
        context.set_default_timeout(10_000)
        context.set_default_navigation_timeout(15_000)
        context.on("page", _listen)  # also pages opened by the page itself
        contexts.append(context)
        page = context.new_page()
        _listen(page)
        return page

    yield open_page

    blocked = [error for context in contexts for page in context.pages for error in console_errors(page)
               if "Content Security Policy" in error]
    _CONSOLE_ERRORS.clear()
    _LISTENING.clear()

    failed = _failed(request)
    for number, context in enumerate(contexts):
        if failed:
            for index, page in enumerate(context.pages):
                suffix = "" if number == index == 0 else f"-{number}-{index}"
                try:
                    screenshot(page, f"{request.node.name}-failure{suffix}")
                except Exception as exc:  # noqa: BLE001 - a crashed page must not hide the test's own error
                    print(f"could not save a failure screenshot: {exc}")
        context.close()
    if blocked:
        pytest.fail("the Content-Security-Policy blocked something:\n" + "\n".join(blocked))


@pytest.fixture
def page(new_page):
    return new_page()


# --- Live server and worker ------------------------------------------------------------------

@pytest.fixture(scope="session")
def _model_resolved():
    """Every logged-in page asks search.clip which model is active; the first ask in a process imports
    torch and open_clip (5-10 s here). Do it once up front so no page load in a test pays for it."""

    weights.resolve()


@pytest.fixture
def live_url(live_server, transactional_db, media_root, _model_resolved) -> str:
    """The live server's base URL (no trailing slash); it serves the test's own MEDIA_ROOT."""
    return live_server.url


@dataclass
class LiveApp:
    url: str
    broker_url: str
    worker: object

    def worker_log(self) -> str:
        return workers.stop_worker(self.worker)


@pytest.fixture
def live_app(live_url, media_root, request):
    """A live server plus a real Celery worker (Redis broker) sharing the test database and MEDIA_ROOT."""
    broker_url = workers.redis_url_or_skip(database=REDIS_DB)
    redis.Redis.from_url(broker_url).flushdb()
    with workers.broker(broker_url):  # the live server thread publishes through this process's Celery app
        worker = workers.start_worker(broker_url=broker_url)
        app = LiveApp(url=live_url, broker_url=broker_url, worker=worker)
        try:
            yield app
        finally:
            log = workers.stop_worker(worker)
            if _failed(request):
                print("---- worker log (last 4000 characters) ----")
                print(log[-4000:])


def caltech_photos(count: int) -> list[tuple[str, bytes]]:
    """Real photos from the shared Caltech-101 copy, one per class, or generated JPEGs without it."""
    if CALTECH.is_dir():
        folders = [CALTECH / name for name in CALTECH_CLASSES]
        folders += sorted(p for p in CALTECH.iterdir() if p.is_dir() and p.name not in CALTECH_CLASSES)
        picked = []
        for folder in folders:
            files = sorted(folder.glob("*.jpg")) if folder.is_dir() else []
            if files:
                picked.append((f"{folder.name.lower()}-{files[0].name}", files[0].read_bytes()))
            if len(picked) == count:
                return picked

    return [(f"generated-{seed}.jpg", images.jpeg(640, 480, seed=900 + seed)) for seed in range(count)]
