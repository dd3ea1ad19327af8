"""The command-line interface.

Rule: parses arguments, reads and writes files, maps errors to exit codes,
and does nothing else; every decision is made by the layers below.
"""
