"""Absolute addresses for links read away from the site: emails, certificates and their QR
codes, xAPI ids.

One rule for all of them: a page is linked at its Wagtail Site's root URL, unless that is a
placeholder (Wagtail's first Site, and the demo's, is ``http://localhost``), and then at
``WAGTAILADMIN_BASE_URL``, the address an installation sets for its admin and its mails.
Links that belong to no page (a password reset, email preferences, a certificate's check)
take the default Site's address by the same rule. Never the request's host: a link in an
email or an id in an LRS must not change with the address someone happened to use.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from wagtail.models import Site


def public_address(root_url: str | None = None) -> str:
    """``root_url`` without its trailing slash, or ``WAGTAILADMIN_BASE_URL``'s when there is
    none or it is only a placeholder (localhost, a loopback address, no host)."""
    if root_url and not _placeholder(root_url):
        return root_url.rstrip("/")
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _placeholder(root_url: str) -> bool:
    host = (urlsplit(root_url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return not host
    return address.is_loopback or address.is_unspecified


def site_address() -> str:
    """The installation's own address: the default Site's, by the rule above."""
    site = Site.objects.filter(is_default_site=True).only("hostname", "port").first()
    return public_address(site.root_url if site is not None else None)


def absolute(path: str) -> str:
    """A path of this installation (``/certificates/…/``) as a full URL."""
    return site_address() + path


def page_address(page) -> str | None:
    """A page's full URL at its own site's address, or None when it is under no site.

    Not ``settings.WAGTAILADMIN_BASE_URL + page.url``: with more than one Site, ``page.url``
    is already absolute, and the two would be run together."""
    parts = page.get_url_parts()
    if parts is None:
        return None
    _site_id, root_url, path = parts
    return public_address(root_url) + path
