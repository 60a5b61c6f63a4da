from django.conf import settings
from django.contrib.auth.views import redirect_to_login

# Pages anyone may open; everything else needs a logged-in user. API views answer 401/403
# themselves (token or session), so they are not redirected to a login page.
PUBLIC_PREFIXES = ("/accounts/login/", "/accounts/signup/", "/static/", "/api/", "/healthz", "/readyz")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)
