"""Compute invoice totals with tax."""


def invoice_total(lines: list[tuple[str, float]], tax_rate: float = 0.2) -> float:
    subtotal = sum(amount for _, amount in lines)
    return round(subtotal * (1 + tax_rate), 2)
