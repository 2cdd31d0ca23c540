"""Messages of the themes view (field feedback's irritants) in English and French, merged into
the catalogues of :mod:`launchloop.web.ui.i18n` (issue 6)."""

# French typography uses the typographic apostrophe (U+2019) on purpose.
# ruff: noqa: RUF001

from __future__ import annotations

ENGLISH: dict[str, str] = {
    "themes": "Themes",
    "themes_period": "Period",
    "themes_funnel": "Funnel KPI (first by default)",
    "themes_show": "Show",
    "themes_empty": "No themed feedback in the last {period}.",
    "theme": "Theme",
    "theme_items": "Items",
    "theme_trend": "Trend",
    "theme_new": "new",
    "theme_negative": "Negative",
    "theme_persons": "Persons",
    "theme_active_paying": "{active} active, {paying} paying",
    "theme_dropped": "Dropped in the funnel",
    "theme_drop": "{count} after “{step}”",
    "theme_pages": "Pages",
}

FRENCH: dict[str, str] = {
    "themes": "Thèmes",
    "themes_period": "Période",
    "themes_funnel": "KPI entonnoir (le premier par défaut)",
    "themes_show": "Afficher",
    "themes_empty": "Aucun retour classé dans un thème sur {period}.",
    "theme": "Thème",
    "theme_items": "Retours",
    "theme_trend": "Tendance",
    "theme_new": "nouveau",
    "theme_negative": "Négatifs",
    "theme_persons": "Personnes",
    "theme_active_paying": "{active} actives, {paying} payantes",
    "theme_dropped": "Abandons dans l’entonnoir",
    "theme_drop": "{count} après « {step} »",
    "theme_pages": "Pages",
}
