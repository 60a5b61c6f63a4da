"""What can be checked of the production stack without Docker (none runs here: no daemon, and
Debian's docker-compose 1.29 predates the Compose Specification): the YAML, that every command
names a real module or management command, the dependency and healthcheck wiring, the settings
each service needs, the proxy's upload limit, the image's user and build arguments."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
CADDYFILE = (ROOT / "deploy" / "Caddyfile").read_text()
ENV_EXAMPLE = (ROOT / ".env.example").read_text()
VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")
APP_SERVICES = [name for name, service in SERVICES.items() if "build" in service]
WORKERS = [name for name in APP_SERVICES if name.startswith("worker")]
LONG_RUNNING = [name for name in SERVICES if name != "migrate"]


def example_env() -> dict[str, str]:
    values = dict(line.split("=", 1) for line in ENV_EXAMPLE.splitlines() if line and not line.startswith("#"))
    # The required ones are empty in the example: what an operator would fill in.
    return {name: value or f"filled-{name.lower()}" for name, value in values.items()}


def interpolate(value: str, env: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name, kind, default = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise AssertionError(f"{name} is required: {default}")
        return default or ""

    return VARIABLE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def command(name: str) -> list[str]:
    value = SERVICES[name]["command"]
    return [interpolate(part, example_env()) for part in (value if isinstance(value, list) else shlex.split(value))]


def environment(name: str) -> dict[str, str]:
    return {key: interpolate(str(value), example_env()) for key, value in SERVICES[name].get("environment", {}).items()}


def queues_of(argv: list[str]) -> set[str]:
    return set(argv[argv.index("--queues") + 1].split(","))


def test_every_variable_the_stack_reads_is_documented_in_env_example():
    used = set(VARIABLE.findall((ROOT / "docker-compose.yml").read_text()))
    documented = set(example_env())
    assert {name for name, _, _ in used} <= documented
    for name in documented:  # each with a comment line above it (or in its group)
        assert re.search(rf"^{name}=", ENV_EXAMPLE, re.M)


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_command_names_a_real_module_or_management_command(name):
    argv = command(name)
    if argv[:2] == ["python", "manage.py"]:
        assert argv[2] in get_commands(), argv
    elif argv[0] == "celery":
        assert argv[1:3] == ["-A", "imagesearch"] and importlib.util.find_spec("imagesearch.celery")
        assert argv[3] in {"worker", "beat"}
    elif argv[0] == "gunicorn":
        assert importlib.util.find_spec(argv[1]), argv[1]
    else:
        raise AssertionError(f"{name}: unknown command {argv}")


def test_migrations_run_once_before_web_workers_and_beat():
    assert command("migrate") == ["python", "manage.py", "migrate", "--noinput"]
    assert SERVICES["migrate"]["restart"] == "no"
    assert SERVICES["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        if name != "migrate":
            assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name
            assert "migrate" not in " ".join(command(name)), name


def test_one_scheduler_and_workers_per_queue():
    assert command("beat")[3] == "beat"
    assert "deploy" not in SERVICES["beat"]  # no replicas
    for name in WORKERS:
        argv = command(name)
        assert argv[3] == "worker" and "--beat" not in argv and "-B" not in argv, name
        # prefork: Celery's soft and hard time limits are enforced there (not in the solo pool)
        assert argv[argv.index("--pool") + 1] == "prefork", name
        assert queues_of(argv) <= set(settings.QUEUE_NAMES), name  # production has no queue prefix
    default = set().union(*(queues_of(command(name)) for name in WORKERS if "profiles" not in SERVICES[name]))
    routed = {route["queue"].removeprefix(settings.CELERY_QUEUE_PREFIX) for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= default  # every routed task has a worker without any profile
    assert default | queues_of(command("worker-ocr")) == set(settings.QUEUE_NAMES)


def test_web_encodes_queries_on_the_workers_and_a_worker_serves_them_everywhere():
    """Compose's web never loads torch (QUERY_ENCODING=worker, replies through the broker's Redis);
    a worker without a profile and one on the GPU box consume `query`; workers encode in their own
    process whatever the environment says, and are given no QUERY_ENCODING."""
    assert environment("web")["QUERY_ENCODING"] == "worker"
    assert float(environment("web")["QUERY_ENCODING_TIMEOUT"]) <= 10  # a short wait, then a 503 with a message
    for name in WORKERS:
        assert "QUERY_ENCODING" not in environment(name), name
    query_workers = [name for name in WORKERS if "query" in queues_of(command(name))]
    assert any("profiles" not in SERVICES[name] for name in query_workers)
    gpu_query = [name for name in query_workers if SERVICES[name].get("profiles") == ["gpu"]]
    assert gpu_query and all(environment(name)["CLIP_DEVICE"] == "cuda" for name in gpu_query)
    assert all(SERVICES[name]["deploy"]["resources"]["reservations"]["devices"] for name in gpu_query)
    for name in query_workers:  # alone on its queue: a search never waits behind a batch of uploads
        assert queues_of(command(name)) == {"query"}, name


def test_restart_policies_and_healthchecks():
    for name in LONG_RUNNING:
        assert SERVICES[name]["restart"] == "unless-stopped", name
    for name in ["web", "db", "redis", *WORKERS]:
        assert SERVICES[name]["healthcheck"]["test"], name
    # every service_healthy dependency has a healthcheck to wait for
    for name, service in SERVICES.items():
        for target, condition in (service.get("depends_on") or {}).items():
            assert target in SERVICES, (name, target)
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in SERVICES[target], (name, target)
    assert SERVICES["caddy"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_web_healthcheck_asks_the_readiness_endpoint():
    test = SERVICES["web"]["healthcheck"]["test"]
    assert test[:4] == ["CMD", "python", "-m", "imagesearch.healthcheck"]
    url = test[test.index("--url") + 1]
    assert resolve(url.removeprefix("http://127.0.0.1:8000")).url_name == "readyz"
    assert "127.0.0.1" in environment("web")["DJANGO_ALLOWED_HOSTS"].split(",")


@pytest.mark.parametrize("name", WORKERS)
def test_a_worker_healthcheck_reads_the_heartbeat_file_it_writes(name):
    test = SERVICES[name]["healthcheck"]["test"]
    assert test[:4] == ["CMD", "python", "-m", "imagesearch.healthcheck"]
    assert test[4] == environment(name)["WORKER_HEARTBEAT_FILE"]


def test_each_app_service_boots_the_production_settings_with_its_environment(tmp_path):
    """`manage.py check --deploy` with the service's environment as compose gives it (the
    Dockerfile's ENV paths pointed at a temporary folder: they are the image's)."""
    for name in ("web", "worker-ingest", "beat", "migrate", "worker-gpu", "worker-gpu-query", "worker-query"):
        env = {
            "PATH": "/usr/bin:/bin", **environment(name),
            "IMAGESEARCH_DATA_DIR": str(tmp_path), "STATIC_ROOT": str(tmp_path / "static"),
            "CLIP_CACHE_DIR": str(tmp_path / "models"), "MEDIA_ROOT": str(tmp_path / "media"),
        }
        assert env["DJANGO_SETTINGS_MODULE"] == "imagesearch.settings.production"
        for required in ("DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS"):
            assert env.get(required), (name, required)
        script = ("import django; django.setup(); from django.conf import settings as s; "
                  "print(s.DATABASES['default']['HOST'], s.CELERY_BROKER_URL.split('@')[-1], s.CLIP_DEVICE, "
                  "s.CELERY_TASK_TIME_LIMIT < s.CELERY_VISIBILITY_TIMEOUT, s.QUERY_ENCODING, "
                  "(s.CELERY_RESULT_BACKEND or '-').split('@')[-1])")
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, (name, done.stderr[-2000:])
        host, broker, device, bounded, query_encoding, results = done.stdout.split()
        assert (host, broker, bounded, results) == ("db", "redis:6379/0", "True", "redis:6379/0"), name
        assert device == ("cuda" if name.startswith("worker-gpu") else "cpu")
        assert query_encoding == ("worker" if name == "web" else "local"), name
        checked = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
                                 cwd=ROOT, env=env, capture_output=True, text=True)
        assert checked.returncode == 0, (name, checked.stderr[-2000:])


def test_the_proxy_limits_uploads_consistently_with_the_app():
    assert re.search(r"request_body\s*\{\s*max_size \{\$UPLOAD_REQUEST_MAX_BYTES\}\s*\}", CADDYFILE)
    assert re.search(r"reverse_proxy web:8000", CADDYFILE) and "{$DOMAIN}" in CADDYFILE
    proxy_limit = int(environment("caddy")["UPLOAD_REQUEST_MAX_BYTES"])
    app_limit = int(environment("web")["UPLOAD_MAX_BYTES"])
    assert proxy_limit >= app_limit  # a photo the app accepts is never cut off by the proxy
    # the compose default is the settings' default
    default = interpolate(SERVICES["web"]["environment"]["UPLOAD_MAX_BYTES"], {})
    assert int(default) == settings.UPLOAD_MAX_BYTES == 30 * 1024 * 1024
    assert ROOT.joinpath("deploy/Caddyfile").as_posix().endswith(
        SERVICES["caddy"]["volumes"][0].split(":")[0].removeprefix("./"))


def test_the_image_runs_as_a_user_and_keeps_weights_on_a_volume():
    users = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert users and users[-1] not in {"root", "0"}
    arguments = set(re.findall(r"^ARG (\w+)", DOCKERFILE, re.M))
    for name in APP_SERVICES:
        assert set(SERVICES[name]["build"]["args"]) <= arguments, name
    assert {"CLIP_MODEL", "TORCH_FLAVOUR"} <= arguments
    assert re.search(r"CLIP_CACHE_DIR=/models\b", DOCKERFILE)
    for name in WORKERS + ["web"]:
        assert "models:/models" in SERVICES[name]["volumes"], name
    assert "models" in COMPOSE["volumes"]


def test_the_gpu_worker_reserves_an_nvidia_device_and_runs_cuda_torch():
    worker = SERVICES["worker-gpu"]
    assert worker["profiles"] == ["gpu"]
    assert worker["build"]["args"]["TORCH_FLAVOUR"] == "cuda"
    assert re.search(r"^FROM base AS torch-cuda$", DOCKERFILE, re.M)
    assert environment("worker-gpu")["CLIP_DEVICE"] == "cuda"
    device = worker["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]


STORAGE_VARIABLES = ("MEDIA_STORAGE", "MEDIA_URL_EXPIRY_SECONDS", "AWS_STORAGE_BUCKET_NAME", "AWS_S3_ENDPOINT_URL",
                     "AWS_S3_REGION_NAME", "AWS_S3_ADDRESSING_STYLE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


def test_every_app_service_gets_the_same_media_storage_settings():
    """Web serves what the workers write, restore writes what web serves: one storage for all."""
    expected = {name: environment("web")[name] for name in STORAGE_VARIABLES}
    assert expected["MEDIA_STORAGE"] == "local"  # the default: the media volume
    for name in APP_SERVICES:
        assert {key: environment(name).get(key) for key in STORAGE_VARIABLES} == expected, name
    for name in ["web", *WORKERS]:  # the local folder: one volume they share (beat stores no media)
        assert "media:/data/media" in SERVICES[name]["volumes"], name


def test_the_production_settings_boot_with_media_in_a_bucket(tmp_path):
    """MEDIA_STORAGE=s3 as an operator's .env sets it: the S3 backend with those options, the
    bucket's origin allowed for images in the pages' CSP, and `check --deploy` passing."""
    env = {
        "PATH": "/usr/bin:/bin", **environment("web"), "IMAGESEARCH_DATA_DIR": str(tmp_path),
        "STATIC_ROOT": str(tmp_path / "static"), "MEDIA_ROOT": str(tmp_path / "media"),
        "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": "photos", "AWS_S3_REGION_NAME": "eu-west-1",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.org", "AWS_S3_ADDRESSING_STYLE": "virtual",
        "AWS_ACCESS_KEY_ID": "key", "AWS_SECRET_ACCESS_KEY": "secret", "MEDIA_URL_EXPIRY_SECONDS": "120",
    }
    script = ("import django, json; django.setup(); from django.conf import settings as s; "
              "o = s.STORAGES['default']['OPTIONS']; "
              "print(json.dumps([s.STORAGES['default']['BACKEND'], o['bucket_name'], o['querystring_expire'], "
              "o['endpoint_url'], s.SECURE_CSP['img-src']]))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    backend, bucket, expiry, endpoint, img_src = json.loads(done.stdout)
    assert (backend, bucket, expiry, endpoint) == ("storages.backends.s3.S3Storage", "photos", 120,
                                                   "https://s3.example.org")
    assert "https://photos.s3.example.org" in img_src  # virtual-hosted: the bucket is in the host name
    checked = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
                             cwd=ROOT, env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr[-2000:]
