"""ICAT+'s `h5grove` group (`/icatplus/h5grove/{meta,attr,data,stats,paths}?sessionId=&datafileId=`
plus h5grove's own parameters), answered by the same code as `/datafiles/<pk>/h5grove/...`
(catalogue/h5grove.py). ICAT+ checks the session's access to the datafile and hands the request to
an h5grove server; the portal is both. A hidden datafile is the same 404 as a nonexistent one."""

from __future__ import annotations

from django.http import HttpResponse
from rest_framework import serializers
from rest_framework.request import Request

from portal.fields import LARGEST_ID
from portal.icatplus import IcatPlusView, validated

from . import access
from .h5grove import h5grove_response


class DatafileQuery(serializers.Serializer):
    datafileId = serializers.IntegerField(min_value=1, max_value=LARGEST_ID)


class H5Grove(IcatPlusView):
    """`GET /h5grove/<route>?sessionId=&datafileId=&path=...`: h5grove's answer for the datafile."""

    route = "meta"

    def get(self, request: Request) -> HttpResponse:
        query = validated(DatafileQuery, request.query_params).validated_data
        datafile = access.get_datafile_or_404(request.user, query["datafileId"])
        return h5grove_response(datafile=datafile, route=self.route, params=request.query_params)
