from django.conf import settings
from django.contrib.auth.views import redirect_to_login

from imagesearch import ratelimit
from imagesearch.client_ip import client_ip

# Pages anyone may open; everything else needs a logged-in user. API views answer 401/403
# themselves (token or session), so they are not redirected to a login page.
PUBLIC_PREFIXES = ("/accounts/login/", "/accounts/signup/", "/accounts/password-reset/", "/accounts/reset/",
                   "/static/", "/api/", "/healthz", "/readyz", "/favicon.ico")
# The API counts its requests in its own throttles (imagesearch/throttling.py); health checks never count.
NOT_RATE_LIMITED = ("/api/", "/static/", "/healthz", "/readyz")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class RateLimitMiddleware:
    """Every page request counts against its address and, when someone is signed in, its user.
    Stricter scopes (search, login, sign-up…) are counted by `ratelimit.rate_limit` on their views."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(NOT_RATE_LIMITED):
            counts = [("ip", f"ip:{client_ip(request)}")]
            if request.user.is_authenticated:
                counts.append(("user", f"user:{request.user.pk}"))
            for scope, key in counts:
                wait = ratelimit.hit(scope=scope, key=key)
                if wait is not None:
                    return ratelimit.too_many_requests(request, scope=scope, wait=wait)
        return self.get_response(request)


class ContentSecurityPolicyMiddleware:
    """The Content-Security-Policy header from settings.SECURE_CSP (the format of Django 6's
    built-in middleware, which can replace this one): no inline script, style or handler anywhere,
    so an injected one never runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Read per response (microseconds): a test that points media at a bucket changes img-src.
        header = "; ".join(" ".join([directive, *sources]) for directive, sources in settings.SECURE_CSP.items())
        if header and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = header
        return response
