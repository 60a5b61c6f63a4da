"""Container healthchecks, without Django (fast, and no settings that need secrets):

    python -m imagesearch.healthcheck FILE [--max-age SECONDS]   a worker's heartbeat file is fresh
    python -m imagesearch.healthcheck --url http://127.0.0.1:8000/readyz   web answers ready (200)

Exit status 0 when healthy, 1 when not (with the reason on stderr).
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def heartbeat_problem(path: Path, *, max_age: float) -> str:
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return f"no heartbeat file {path}"
    return f"heartbeat {age:.0f} s old (limit {max_age:.0f} s)" if age > max_age else ""


def url_problem(url: str, *, timeout: float) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return "" if response.status == 200 else f"{url} answered {response.status}"
    except urllib.error.HTTPError as exc:
        return f"{url} answered {exc.code}: {exc.read(500).decode(errors='replace')}"
    except OSError as exc:
        return f"{url}: {exc}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, nargs="?", help="a worker's WORKER_HEARTBEAT_FILE")
    parser.add_argument("--max-age", type=float, default=120.0)
    parser.add_argument("--url", help="a readiness URL that must answer 200")
    parser.add_argument("--timeout", type=float, default=8.0)
    args = parser.parse_args(argv)
    if (args.file is None) == (args.url is None):
        parser.error("give a heartbeat FILE or --url")
    problem = (url_problem(args.url, timeout=args.timeout) if args.url
               else heartbeat_problem(args.file, max_age=args.max_age))
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
