from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockholmstingetConfig(AppConfig):
    name = "stockholmstinget"
    verbose_name = _("Stockholmstinget")
