"""Members' posts as HTML: every character escaped, http(s) links made clickable, line breaks
and paragraphs kept. No markdown, no HTML from members."""

import re

from django.utils.html import Urlizer, linebreaks
from django.utils.safestring import SafeString, mark_safe


class PostUrlizer(Urlizer):
    """Django's urlize, narrowed to links written out with http:// or https://.

    Bare domains ("example.org") and email addresses stay text: a member wrote them as words.
    Links open in a new tab without giving it the opener, and tell search engines the site does
    not vouch for them. Chinese is written without spaces, so full-width punctuation ends a link
    as a space does ("见 https://example.org/文件，谢谢").
    """

    simple_url_2_re = re.compile(r"(?!)")  # never: only explicit http(s) links
    word_split_re = re.compile(r"""([\s<>"'，。；：！？、（）「」『』“”‘’]+)""")
    url_template = (
        '<a href="{href}" rel="nofollow noopener noreferrer ugc" target="_blank">{url}</a>'
    )

    def is_email_simple(self, value):
        return False


_urlize = PostUrlizer()


def render_post(text: str) -> SafeString:
    """``text`` as safe HTML: escaped, links clickable, blank lines as paragraphs."""
    # A plain str (an f-string is never SafeData): urlize would trust text marked safe.
    # It then escapes every word that is not a link (autoescape=True), so what it returns is
    # safe to wrap in paragraphs without escaping again.
    linked = _urlize(f"{text}".strip(), trim_url_limit=60, autoescape=True)
    return mark_safe(linebreaks(linked, autoescape=False))  # noqa: S308 - escaped above
