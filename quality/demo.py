"""The demo's one active CRITICAL flag, on the counterfeit USDC."""

from assets.choices import IdentifierSource
from assets.demo import demo_asset
from quality.choices import FlagType, Severity
from quality.models import AssetQualityFlag
from quality.services import flag_raise
from registry.demo import DemoLog, register_demo_loader


def load_demo_flags(log: DemoLog) -> dict[str, int]:
    counterfeit = demo_asset(IdentifierSource.INTERNAL, "demo-counterfeit-usdc")
    already_flagged = AssetQualityFlag.objects.active().filter(
        asset=counterfeit, flag_type=FlagType.SCAM
    )
    if counterfeit is None or already_flagged.exists():
        return {"quality flags": 0}
    flag_raise(
        asset=counterfeit,
        flag_type=FlagType.SCAM,
        severity=Severity.CRITICAL,
        reason="Impersonates USD Coin: same symbol and name, not issued by Circle.",
        source="manual",
        actor="service:load_demo",
    )
    log("quality flag SCAM on the counterfeit USDC")
    return {"quality flags": 1}


def register() -> None:
    register_demo_loader("quality", load_demo_flags)
