"""Trading venues, their currency codes and their tickers."""
