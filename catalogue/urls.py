from __future__ import annotations

from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("experiments/", views.experiments, name="experiments"),
    path("public/", views.public, name="public"),
    path("search/", views.search, name="search"),
    path("investigations/<int:pk>/", views.investigation_detail, name="investigation-detail"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset-detail"),
    path("downloads/", views.downloads, name="downloads"),
]
