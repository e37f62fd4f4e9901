"""The flags of a synthetic registry (registry.synthetic): one asset in a hundred has an
active flag of a random severity."""

from quality.choices import FlagType
from quality.models import AssetQualityFlag
from registry.synthetic import SyntheticItem, SyntheticStep, register_synthetic_step


class SyntheticFlags(SyntheticStep):
    def rows(self, item: SyntheticItem) -> list:
        if item.number % 100:
            return []
        now = self.run.now
        flag = AssetQualityFlag(
            asset=item.asset,
            flag_type=FlagType.UNVERIFIED,
            severity=self.run.rng.randint(1, 5),
            reason="synthetic",
            source="synthetic",
            raised_at=now,
            created_at=now,
            updated_at=now,
        )
        return [flag]


def register() -> None:
    register_synthetic_step("quality", SyntheticFlags)
