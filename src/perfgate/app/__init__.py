"""Use cases: run, compare, check, report, promote, export, and the renderers.

Rule: orchestrates adapters and domain functions and renders text as
strings; parses no command line and touches no file.
"""
