from __future__ import annotations

from django import template

from portal.links import row_url as _row_url

register = template.Library()


@register.filter
def row_url(viewname: str, key: object) -> str:
    """{{ "catalogue:dataset-detail"|row_url:dataset.pk }}: a row's link, see portal.links."""
    return _row_url(viewname, key)
