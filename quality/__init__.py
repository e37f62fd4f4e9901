"""Quality flags on assets (scam, exploited, …) and the pre-trade check built on them."""
