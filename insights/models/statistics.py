"""Page views counted on the server: one row per page and day, no cookies, no visitor data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PageViewDay(models.Model):
    """How many times a page was viewed on one day (server time zone).

    Only a total is kept, never who viewed or from where: the count needs no cookie banner
    and holds nothing personal. A view costs one UPDATE of this row (see
    ``insights.statistics.count_view``).
    """

    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("page")
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("page views on a day")
        verbose_name_plural = _("page views per day")
        constraints = [models.UniqueConstraint(fields=["page", "day"], name="unique_page_day")]
        # "Top pages this week" and "popular articles" read a range of days across pages.
        indexes = [models.Index(fields=["day", "page"], name="pageviewday_day_page")]

    def __str__(self):
        return f"{self.page_id} · {self.day} · {self.views}"
