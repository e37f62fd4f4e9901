"""Enumerations of the markets app. Names follow the CQC v0.4.0 contracts, which carry
them as strings (``Instrument.instrument_type``, ``OptionSeries.option_type``, …)."""

from django.db import models


class InstrumentType(models.TextChoices):
    SPOT = "SPOT", "Spot"
    PERPETUAL = "PERPETUAL", "Perpetual"
    FUTURE = "FUTURE", "Future"
    OPTION = "OPTION", "Option"
    LENDING_DEPOSIT = "LENDING_DEPOSIT", "Lending deposit"
    LENDING_BORROW = "LENDING_BORROW", "Lending borrow"


class OptionType(models.TextChoices):
    CALL = "CALL", "Call"
    PUT = "PUT", "Put"


class ExerciseStyle(models.TextChoices):
    EUROPEAN = "EUROPEAN", "European"
    AMERICAN = "AMERICAN", "American"


class MarketStatus(models.TextChoices):
    TRADING = "TRADING", "Trading"
    HALTED = "HALTED", "Halted"
    REDUCE_ONLY = "REDUCE_ONLY", "Reduce only"
    DELISTED = "DELISTED", "Delisted"
