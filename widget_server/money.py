"""Money as integer minor units plus an ISO 4217 currency code."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Currencies whose minor unit is not the cent. Everything else has 2 decimals.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip


#: Amounts are stored in 32-bit integer columns (prices, limits, totals).
MAX_MINOR = 2**31 - 1


def exponent(currency: str) -> int:
    """How many decimals the currency's minor unit has (USD 2, JPY 0, KWD 3)."""
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor(amount: str | Decimal, currency: str) -> int:
    """Parse a decimal amount ("1299.00") into minor units, exactly.

    Raises ValueError for anything that is not a non-negative amount with at
    most the currency's number of decimals: a price is never rounded silently.
    """
    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise ValueError(f"{amount!r} is not a decimal amount") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{amount!r} is not a non-negative amount")
    if value.adjusted() > 30:  # "1e999999999": refuse before scaling makes it a huge number
        raise ValueError(f"{amount!r} is far too large an amount")
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount!r} has more decimals than {currency} allows")
    return int(scaled)


def to_decimal_string(minor: int, currency: str) -> str:
    """``12999, "USD"`` -> ``"129.99"``: the exact amount, as feeds write it."""
    digits = exponent(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def format_minor(minor: int, currency: str) -> str:
    """``12999, "USD"`` -> ``"129.99 USD"`` (plain and unambiguous)."""
    digits = exponent(currency)
    return f"{Decimal(minor).scaleb(-digits):,.{digits}f} {currency.upper()}"
