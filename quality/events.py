"""The quality app's event types and the protobuf form of a flag."""

from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from registry.events.encoding import message_from
from registry.events.types import EventType, register_event_type
from registry.pb.cqar.events.v1 import events_pb2 as cqar_events
from registry.pb.cqc.assets.v1 import assets_pb2
from registry.pb.cqc.events.v1 import events_pb2 as cqc_events

# The pre-trade check blocks at CRITICAL by default (registry.api.resolve); a raised
# flag tells consumers to stop trading at the same level.
SUSPENDS_TRADING_AT = Severity.CRITICAL
# Flags that mean the asset is worthless or cannot be sold: positions should go.
FORCES_CLOSE = {FlagType.SCAM, FlagType.RUGPULL, FlagType.HONEYPOT, FlagType.EXPLOITED}


def contract_flag_type(flag_type: str) -> int:
    """The contract's enum value; types it lacks are UNSPECIFIED (named in metadata)."""
    name = f"FLAG_TYPE_{flag_type}"
    values = assets_pb2.FlagType.keys()
    return assets_pb2.FlagType.Value(name) if name in values else assets_pb2.FLAG_TYPE_UNSPECIFIED


def flag_message(flag: AssetQualityFlag) -> assets_pb2.AssetQualityFlag:
    return message_from(
        flag,
        assets_pb2.AssetQualityFlag,
        flag_type=contract_flag_type(flag.flag_type),
        severity=int(flag.severity),
        metadata={**flag.metadata, "flag_type": flag.flag_type, "raised_by": flag.raised_by},
    )


def raised_fields(flag: AssetQualityFlag) -> dict:
    severity = Severity(flag.severity)
    return {
        "asset_id": str(flag.asset_id),
        "flag_type": contract_flag_type(flag.flag_type),
        "severity": int(severity),
        "source": flag.source,
        "suspend_trading": severity >= SUSPENDS_TRADING_AT,
        "force_close_positions": severity >= SUSPENDS_TRADING_AT and flag.flag_type in FORCES_CLOSE,
        "alert_message": (
            f"{severity.label.upper()} {flag.flag_type} on {flag.asset.symbol} "
            f"({flag.asset_id}): {flag.reason}"
        )[:500],
    }


def register() -> None:
    register_event_type(
        EventType(
            name="quality_flag_raised",
            message=cqc_events.QualityFlagRaised,
            entity_field="flag",
            entity=flag_message,
            asset_ids=lambda flag: [flag.asset_id],
            extra=raised_fields,
        )
    )
    register_event_type(
        EventType(
            name="quality_flag_resolved",
            message=cqar_events.QualityFlagEvent,
            entity_field="flag",
            entity=flag_message,
            asset_ids=lambda flag: [flag.asset_id],
        )
    )
