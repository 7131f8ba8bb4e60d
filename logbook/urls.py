from __future__ import annotations

app_name = "logbook"

urlpatterns: list = []
