"""Ports to the outside world and their real and fake implementations.

Rule: the only layer that calls the operating system on behalf of the
application (processes, host facts, the clock). It returns plain values and
raises only errors from ``perfgate.types.errors``.
"""
