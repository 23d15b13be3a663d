"""Site-wide settings an admin edits in Wagtail (Settings → Organisation)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Site


@register_setting(icon="site")
class OrganisationSettings(BaseSiteSetting):
    """Who runs this site: shown in the footer, on certificates and on printed handouts."""

    name = models.CharField(
        _("organisation name"),
        max_length=200,
        blank=True,
        help_text=_("Shown in the footer, on certificates and on printed handouts."),
    )
    contact_email = models.EmailField(
        _("contact email"), blank=True, help_text=_("Where members can write with questions.")
    )

    panels = [FieldPanel("name"), FieldPanel("contact_email")]

    @classmethod
    def for_request(cls, request):
        """The site's settings, kept per process while a page is served (every page shows
        them; ``courses.page_memory``): saving them moves the version on."""
        from ..page_memory import remembered

        attr = cls.get_cache_attr_name()
        if not hasattr(request, attr):
            site = Site.find_for_request(request)
            if site is not None:
                setattr(
                    request, attr, remembered(("settings", site.pk), lambda: cls.for_site(site))
                )
        return super().for_request(request)

    class Meta:
        verbose_name = _("organisation")
