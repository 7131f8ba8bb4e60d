from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from catalogue import access


@login_required
def downloads(request: HttpRequest) -> HttpResponse:
    return render(request, "catalogue/downloads.html", {})


def datafile_download(request: HttpRequest, pk: int) -> HttpResponse:
    datafile = access.get_datafile_or_404(request.user, pk)
    from django.conf import settings

    return FileResponse(open(settings.DATA_ROOT / datafile.location, "rb"), as_attachment=True,
                        filename=datafile.name)
