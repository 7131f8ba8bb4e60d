"""API building blocks shared by the apps' api.py modules."""

from __future__ import annotations

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Keyset pagination for every list: stable under inserts and fast deep in the list."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"
