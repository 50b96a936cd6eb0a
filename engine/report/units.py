"""How durations, money and sizes read in asba's text output."""

from __future__ import annotations


def duration(seconds: float | None) -> str:
    """3h 12m, 45m, 2d 4h; never rounds a non-zero duration to '0m'."""
    if seconds is None:
        return "unknown"
    minutes = int(round(seconds / 60))
    if seconds > 0 and minutes == 0:
        return f"{int(round(seconds))}s"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m"


def hours(seconds: float | None) -> str:
    return "unknown" if seconds is None else f"{seconds / 3600:.1f}h"


def usd(amount: float | None) -> str:
    if amount is None:
        return "n/a"
    if 0 < abs(amount) < 0.01:  # a few tenths of a cent: say so rather than "$0.00"
        return f"${amount:.4f}"
    return f"${amount:,.2f}"


def mem(mb: float | None) -> str:
    if mb is None:
        return "partition default"
    gib = mb / 1024
    return f"{gib:.0f} GB" if gib >= 10 or gib == int(gib) else f"{gib:.1f} GB"


def pct(share: float | None) -> str:
    return "n/a" if share is None else f"{share * 100:.0f}%"
