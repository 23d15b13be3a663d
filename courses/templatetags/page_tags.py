"""``{% breadcrumb_pages page as ancestors %}``: the pages above a page, for its breadcrumbs.
``{% remember "name" value … %}…{% endremember %}``: markup rendered once per process."""

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
