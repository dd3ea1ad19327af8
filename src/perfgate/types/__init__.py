"""Receipt and config data structures and their JSON codec.

Rule: plain data, validation on decode and schema generation only; no I/O,
no clock, no environment, no business logic.
"""
