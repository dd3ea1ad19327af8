"""Statistics and budget policy.

Rule: pure functions over samples, budgets and receipts; no I/O, no clock,
no environment, so the same input always gives the same output.
"""
