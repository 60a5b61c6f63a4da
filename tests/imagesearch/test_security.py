"""Production settings pass Django's deployment checks; every page carries the Content-Security-Policy,
and no template needs what it forbids (inline script, style or handlers)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_", "CACHE_URL", "RATE_LIMIT"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "imagesearch.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "photos.example.com",
        "DJANGO_CSRF_TRUSTED_ORIGINS": "https://photos.example.com",
        "DATABASE_URL": "postgres://imagesearch@127.0.0.1:1/imagesearch",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "STATIC_ROOT": str(tmp_path / "static"),
        "IMAGESEARCH_DATA_DIR": str(tmp_path),
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout

    weak = {**env, "DJANGO_SECRET_KEY": "short", "DJANGO_SECURE_COOKIES": "false"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=weak,
                            capture_output=True, text=True, timeout=120)
    assert "security.W009" in result.stderr + result.stdout and "security.W012" in result.stderr + result.stdout


def test_pages_and_api_answers_carry_the_content_security_policy(client, browser_client):
    for response in (client.get("/accounts/login/"), browser_client.get("/"), client.get("/api/docs/"),
                     browser_client.get("/api/v1/photos/")):
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "style-src 'self'" in policy
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy


def test_no_template_needs_inline_script_or_style():
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {what}" for pattern, what in INLINE if pattern.search(text)]
    assert found == []


def test_the_api_docs_load_their_script_from_a_url(client):
    page = client.get("/api/docs/").content.decode()
    assert not any(pattern.search(page) for pattern, _ in INLINE[:3])
    script = re.search(r'<script src="([^"]*\?[^"]*script[^"]*)"', page).group(1).replace("&amp;", "&")
    response = client.get(script)
    assert response.status_code == 200 and "SwaggerUIBundle" in response.content.decode()


def test_the_environment_file_stays_out_of_images_and_commits():
    assert ".env" in (ROOT / ".dockerignore").read_text().split()
    assert ".env" in (ROOT / ".gitignore").read_text().split()
    assert settings.SESSION_COOKIE_HTTPONLY and settings.X_FRAME_OPTIONS == "DENY"
