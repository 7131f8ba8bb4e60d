"""JSON API of download jobs: create one for a selection, follow its status. Owner only."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from portal.fields import LARGEST_ID

from . import access
from . import downloads as svc
from .models import DownloadJob, DownloadJobStatus


class DownloadJobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    status_text = serializers.CharField(read_only=True, help_text="the status, for people")
    url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = DownloadJob
        fields = [
            "id",
            "kind",
            "name",
            "label",
            "status",
            "status_text",
            "file_count",
            "total_bytes",
            "done_bytes",
            "percent",
            "error",
            "created_at",
            "finished_at",
            "expires_at",
            "url",
            "file_url",
        ]

    def get_url(self, job: DownloadJob) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api-download-detail", args=[job.pk])
        )

    def get_file_url(self, job: DownloadJob) -> str | None:
        if job.status != DownloadJobStatus.READY:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("catalogue:download-job-file", args=[job.pk])
        )


class DownloadRequestSerializer(serializers.Serializer):
    datasets = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_ID),
        required=False,
        default=list,
    )
    datafiles = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=LARGEST_ID),
        required=False,
        default=list,
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs["datasets"] and not attrs["datafiles"]:
            raise serializers.ValidationError(
                {"datasets": "Give at least one dataset or datafile id."}
            )
        return attrs


@extend_schema_view(
    post=extend_schema(
        request=DownloadRequestSerializer,
        responses={
            201: DownloadJobSerializer,
            200: OpenApiResponse(
                DownloadJobSerializer, description="The same selection was already asked for."
            ),
        },
    )
)
class DownloadJobList(generics.ListCreateAPIView):
    """Your download jobs, newest first; POST `{"datasets": [...], "datafiles": [...]}` asks for a
    zip (201, or 200 with the existing job when the same selection was already asked for)."""

    permission_classes = [permissions.IsAuthenticated]
    keyset_ordering = ["-created_at", "-id"]

    def get_serializer_class(self):
        return DownloadRequestSerializer if self.request.method == "POST" else DownloadJobSerializer

    def get_queryset(self) -> QuerySet[DownloadJob]:
        return access.visible_download_jobs(self.request.user)

    def create(self, request: Request, *args, **kwargs) -> Response:
        given = DownloadRequestSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        selection = svc.Selection(
            user=request.user,
            dataset_ids=given.validated_data["datasets"],
            datafile_ids=given.validated_data["datafiles"],
        )
        summary = selection.summary()
        problem = {
            "empty": "None of these datasets or files exist (or you may not see them).",
            "offline": "Some datasets are on tape: restore them first ("
            + ", ".join(d.name for d in summary.offline)
            + ").",
            "too-large": "Too large for one zip: use the metalink or Globus.",
        }.get(summary.mode)
        if problem:
            return Response({"datasets": [problem]}, status=status.HTTP_400_BAD_REQUEST)
        datafiles = list(selection.datafiles())
        job, created = svc.download_job_create(
            owner=request.user, datafiles=datafiles, label=f"{len(datafiles)} files (API)"
        )
        body = DownloadJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class DownloadJobDetail(generics.RetrieveAPIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = DownloadJobSerializer

    def get_queryset(self) -> QuerySet[DownloadJob]:
        return access.visible_download_jobs(self.request.user)
