"""A Content-Security-Policy (and a few more headers) on the public site.

The site's pages load scripts only from our own static files (no inline scripts, no eval),
so an injected ``<script>`` in a slide title, a caption or a post would not run even if
escaping ever failed. The Wagtail admin is left to Wagtail's own headers: its editors need
inline data blocks and previews that a strict policy would break.
"""

from urllib.parse import urlsplit

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


def storage_origin() -> str | None:
    """Where media comes from when it is not this site: object storage hands out signed URLs
    on its own host, which images and videos must be allowed to load from."""
    from django.core.files.storage import default_storage

    try:
        default_storage.path("csp-probe")
        return None  # local disk: our own origin
    except NotImplementedError:
        pass
    parts = urlsplit(default_storage.url("csp-probe"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


class SecurityHeadersMiddleware:
    """Adds the policy and Permissions-Policy to every response outside the admin."""

    def __init__(self, get_response):
        self.get_response = get_response
        media = list(settings.ELEARN_CSP_MEDIA_ORIGINS)
        if (origin := storage_origin()) and origin not in media:
            media.append(origin)
        self.policy = build_policy(media, list(settings.ELEARN_CSP_FRAME_ORIGINS))

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
