"""Forms of the data-policy pages: extension requests and answers, the proprietary flag, and the
audit trail's filters. The rules themselves live in catalogue/policy.py (the forms only parse)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from portal.fields import BoundedDateField

from .models.policy import AccessEventKind

DATE = forms.DateInput(attrs={"type": "date"})


def day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class ExtensionRequestForm(forms.Form):
    new_release_date = BoundedDateField(
        label="New release date",
        widget=DATE,
        error_messages={"invalid": "Enter the date as YYYY-MM-DD."},
    )
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="The data-policy office reads this to decide.",
        error_messages={"required": "Say why the data must stay closed longer."},
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", "Approve"), ("refuse", "Refuse")], widget=forms.RadioSelect
    )
    answer = forms.CharField(
        label="Reason for the decision",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the principal investigator and kept in the audit trail.",
        error_messages={"required": "Give the reason for the decision."},
    )


class ProprietaryForm(forms.Form):
    proprietary = forms.BooleanField(label="Proprietary (never public, no DOI)", required=False)
    reason = forms.CharField(
        label="Reason",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why (it goes into the audit trail)."},
    )


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "All kinds"), *AccessEventKind.choices],
        required=False,
        error_messages={"invalid_choice": "Unknown kind."},
    )
    user = forms.CharField(label="User", required=False, max_length=150)
    investigation = forms.CharField(label="Proposal", required=False, max_length=100)
    since = BoundedDateField(label="From", required=False, widget=DATE)
    until = BoundedDateField(label="To", required=False, widget=DATE)

    def filter(self, queryset: QuerySet) -> QuerySet:
        """Apply the valid filters (invalid ones are reported above the table, not applied)."""
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("kind"):
            queryset = queryset.filter(kind=data["kind"])
        if data.get("user"):
            user = data["user"].strip()
            queryset = queryset.filter(
                Q(actor__username__iexact=user) | Q(actor_name__icontains=user)
            )
        if data.get("investigation"):
            queryset = queryset.filter(investigation__name__iexact=data["investigation"].strip())
        if data.get("since"):
            queryset = queryset.filter(at__gte=day_start(data["since"]))
        if data.get("until"):
            queryset = queryset.filter(at__lt=day_start(data["until"] + timedelta(days=1)))
        return queryset
