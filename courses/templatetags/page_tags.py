"""``{% breadcrumb_pages page as ancestors %}``: the pages above a page, for its breadcrumbs.
``{% remember "name" value … %}…{% endremember %}``: markup rendered once per process.
``tracks|with_default_track:LANGUAGE_CODE``: a video's tracks, and which one shows at first."""

from django import template

from ..page_memory import remembered

register = template.Library()


@register.simple_tag
def breadcrumb_pages(page) -> list:
    """The page's ancestors below the tree's root, top first; kept per process while pages
    are served (``courses.page_memory``): any page change moves the version on."""
    return remembered(
        ("ancestors", page.pk),
        lambda: [ancestor for ancestor in page.get_ancestors() if not ancestor.is_root()],
    )


class RememberNode(template.Node):
    def __init__(self, nodelist, vary_on):
        self.nodelist = nodelist
        self.vary_on = vary_on

    def render(self, context):
        key = ("html", *(value.resolve(context) for value in self.vary_on))
        return remembered(key, lambda: self.nodelist.render(context))


@register.filter
def with_default_track(tracks, language: str) -> list:
    """``[(track, shown at first), …]``: the captions in the reader's language show at first
    (zh-hans reads zh-Hans, zh-CN or zh captions), else the first captions track; chapters
    never show."""
    tracks = list(tracks)
    shown = [track for track in tracks if track.kind != "chapters"]
    wanted = language.lower()

    def tag(track) -> str:
        return track.language.lower().replace("_", "-")

    default = next(
        (track for track in shown if tag(track) == wanted),
        next(
            (track for track in shown if tag(track).split("-")[0] == wanted.split("-")[0]),
            shown[0] if shown else None,
        ),
    )
    return [(track, track is default) for track in tracks]


@register.tag
def remember(parser, token):
    """``{% remember "slide-text" page.pk hidden %}…{% endremember %}``: the block's HTML,
    rendered once per process and language for these values while no page changes
    (``courses.page_memory``); outside a page being served it is rendered each time.

    For markup that depends on the values named and on what editors change, never on the
    member or the request (no CSRF token, no progress): a deck's slide texts, an article's
    body. A slides lecture spent about half its rendering on those, the same for everyone.
    The values must be hashable: a name first, to keep two blocks apart.
    """
    vary_on = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    if not vary_on:
        raise template.TemplateSyntaxError("{% remember %} needs a name for its block")
    nodelist = parser.parse(("endremember",))
    parser.delete_first_token()
    return RememberNode(nodelist, vary_on)
