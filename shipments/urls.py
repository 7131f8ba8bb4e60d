from __future__ import annotations

app_name = "shipments"

urlpatterns: list = []
