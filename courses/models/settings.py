"""Site-wide settings an admin edits in Wagtail (Settings → Organisation)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


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

    class Meta:
        verbose_name = _("organisation")
