"""gunicorn settings for tests/flows/test_web_without_torch.py: the warm-up `manage.py serve` runs,
and after each request a line saying whether torch or open_clip is loaded in that web process."""

import json
import os
import sys

from imagesearch.gunicorn_conf import post_worker_init  # noqa: F401 - gunicorn reads it from here

HEAVY_MODULES = ("torch", "open_clip", "torchvision")


def post_request(worker, req, environ, resp):
    line = {"pid": os.getpid(), "path": req.path, "status": resp.status_code,
            "loaded": sorted(name for name in HEAVY_MODULES if name in sys.modules)}
    with open(os.environ["MODULES_REPORT"], "a") as report:
        report.write(json.dumps(line) + "\n")
