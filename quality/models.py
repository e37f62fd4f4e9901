"""AssetQualityFlag: a warning about an asset, active until resolved."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from quality.choices import FlagType, Severity
from quality.querysets import AssetQualityFlagQuerySet
from registry.history import tracked
from registry.models import RegistryModel
from registry.text import FREE_TEXT_MAX_LENGTH


@tracked()
class AssetQualityFlag(RegistryModel):
    flag_id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, related_name="quality_flags"
    )
    flag_type = models.CharField(max_length=32, choices=FlagType.choices)
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    source = models.CharField(
        max_length=100, default="manual", help_text="Who says so: an auditor's name or 'manual'."
    )
    reason = models.TextField(max_length=FREE_TEXT_MAX_LENGTH)
    evidence_url = models.URLField(max_length=500, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.CharField(max_length=150, blank=True, help_text="Actor id, 'user:<name>'.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True)
    resolution_notes = models.TextField(blank=True, max_length=FREE_TEXT_MAX_LENGTH)
    metadata = models.JSONField(default=dict, blank=True)

    objects = AssetQualityFlagQuerySet.as_manager()

    class Meta:
        ordering = ["-severity", "-raised_at", "flag_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(severity__gte=Severity.INFO, severity__lte=Severity.CRITICAL),
                name="flag_severity_1_5",
                violation_error_message="Severity must be between 1 (info) and 5 (critical).",
            ),
            # An auditor re-reporting a flag it already raised is a duplicate, not news.
            models.UniqueConstraint(
                fields=["asset", "flag_type", "source"],
                condition=Q(resolved_at__isnull=True),
                name="flag_one_active_per_asset_type_source",
                violation_error_message="This source already has an active flag of this type "
                "on the asset.",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("raised_at")),
                name="flag_resolved_after_raised",
                violation_error_message="A flag cannot be resolved before it was raised.",
            ),
        ]
        indexes = [
            # The pre-trade check: active flags of one asset, most severe first.
            models.Index(
                fields=["asset", "-severity"],
                condition=Q(resolved_at__isnull=True),
                name="flag_active_by_asset_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()} {self.get_flag_type_display()} flag on {self.asset}"

    @property
    def is_active(self) -> bool:
        return self.resolved_at is None
