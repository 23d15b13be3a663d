"""``{% breadcrumb_pages page as ancestors %}``: the pages above a page, for its breadcrumbs."""

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
