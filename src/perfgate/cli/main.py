"""``perfgate`` entry point: parse, dispatch, and map errors to exit codes.

Exit codes: 0 success (pass, or warn without --fail-on-warn), 1 tool error,
2 budget violated, 3 warn with --fail-on-warn, 130 on SIGINT, 143 on SIGTERM.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from perfgate import __version__

EXIT_TOOL_ERROR = 1
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class Terminated(BaseException):
    """Raised by the SIGTERM handler so that cleanup code runs as for Ctrl-C."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


# Escapes for the characters that str.splitlines() or a terminal treats as
# line breaks or controls. They keep an error on one line even when it quotes
# text from a file, such as a JSON key with a line break in it.
_LINE_SAFE = {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, 0x85) if code != 0x09
} | {0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def _fail(message: str) -> int:
    sys.stderr.write(f"perfgate: error: {message.translate(_LINE_SAFE)}\n")
    sys.stderr.flush()
    return EXIT_TOOL_ERROR


def _import_msgspec() -> None:
    """Import msgspec without letting it import typing_extensions.

    msgspec imports typing_extensions, when installed, only to prefer its
    ``get_type_hints``. On Python 3.10 and later the one in ``typing`` gives
    the same result for perfgate's receipt types. typing_extensions imports
    ``inspect`` and costs about as much as the interpreter's own start-up, so
    the command line hides it while msgspec loads. Library users are not
    affected, and a later ``import typing_extensions`` works as usual.
    """
    if "msgspec" in sys.modules or "typing_extensions" in sys.modules:
        return
    # A None entry makes `import typing_extensions` raise ImportError.
    sys.modules["typing_extensions"] = None  # type: ignore[assignment]
    try:
        import msgspec
    except ImportError:
        needs_typing_extensions = True
    else:
        needs_typing_extensions = False
    finally:
        del sys.modules["typing_extensions"]
    if needs_typing_extensions:
        # This msgspec cannot do without it: load both the usual way.
        import msgspec  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Handle --version before importing argparse, because CI calls it often
    # and the parser alone costs more than the interpreter's start-up.
    if arguments in (["--version"], ["-V"]):
        sys.stdout.write(f"perfgate {__version__}\n")
        return 0

    import signal

    from perfgate.types.errors import PerfgateError

    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        from perfgate.cli.commands import build_parser

        parsed = build_parser(arguments).parse_args(arguments)
        _import_msgspec()
        code: int = parsed.handler(parsed)
        return code
    except PerfgateError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        sys.stderr.write("perfgate: interrupted\n")
        return EXIT_SIGINT
    except Terminated:
        sys.stderr.write("perfgate: terminated\n")
        return EXIT_SIGTERM
    except BrokenPipeError:
        # A closed reader such as `perfgate md ... | head -1` is not an error.
        return 0
    except Exception as exc:
        return _fail(
            f"internal error: {type(exc).__name__}: {exc}; please report this "
            "with the command line that caused it"
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
