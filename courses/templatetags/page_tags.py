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


# Tags that write the same script as a language code Django uses: a reader of zh-hans is
# not given Traditional Chinese (zh-Hant, zh-TW) captions before Simplified ones.
SAME_SCRIPT = {
    "zh-hans": ("zh-hans", "zh-cn", "zh-sg", "zh-hans-cn", "zh"),
    "zh-hant": ("zh-hant", "zh-tw", "zh-hk", "zh-mo", "zh-hant-tw"),
}


@register.filter
def with_default_track(tracks, language: str) -> list:
    """``[(track, shown at first), …]``: the captions in the reader's language show at first
    (zh-hans reads zh-Hans, zh-CN or zh captions), else the first captions or subtitles;
    chapters and other kinds never show by themselves."""
    tracks = list(tracks)
    shown = [track for track in tracks if track.kind in ("captions", "subtitles")]
    wanted = language.lower()
    by_tag = {}
    for track in shown:
        by_tag.setdefault(track.language.lower().replace("_", "-"), track)
    primary = wanted.split("-")[0]
    other_script = {tag for key, tags in SAME_SCRIPT.items() if key != wanted for tag in tags}
    accepted = [
        *SAME_SCRIPT.get(wanted, (wanted, primary)),
        # en-GB captions for an en reader; never another script's Chinese for a zh one.
        *(tag for tag in by_tag if tag.split("-")[0] == primary and tag not in other_script),
    ]
    default = next((by_tag[tag] for tag in accepted if tag in by_tag), None)
    if default is None and shown:
        default = shown[0]
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
