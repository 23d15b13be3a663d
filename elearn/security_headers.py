"""A Content-Security-Policy (and a few more headers) on the public site.

The site's pages load scripts only from our own static files (no inline scripts, no eval),
so an injected ``<script>`` in a slide title, a caption or a post would not run even if
escaping ever failed. The Wagtail admin is left to Wagtail's own headers: its editors need
inline data blocks and previews that a strict policy would break.
"""

from django.conf import settings


def build_policy(media_origins: list[str], frame_origins: list[str]) -> str:
    """The policy text; media may come from object storage, frames from embed providers."""
    media = " ".join(["'self'", "data:", "blob:", *media_origins])
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        # Inline style attributes carry computed values (a slide's aspect ratio, a progress
        # bar's width); styles cannot run code, scripts are what the policy is for.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": media,
        "media-src": media,
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "frame-src": " ".join(["'self'", *frame_origins]),
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Adds the policy and Permissions-Policy to every response outside the admin."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = build_policy(
            list(settings.ELEARN_CSP_MEDIA_ORIGINS), list(settings.ELEARN_CSP_FRAME_ORIGINS)
        )

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(("/admin/", "/django-admin/")):
            return response
        response.setdefault("Content-Security-Policy", self.policy)
        # Nothing on the site needs the camera, microphone, location or payments.
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
        )
        return response
