from __future__ import annotations

app_name = "doi"

urlpatterns: list = []
