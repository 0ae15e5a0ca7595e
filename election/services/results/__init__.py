"""Results: running totals, rounds, area and unit results, progress."""
