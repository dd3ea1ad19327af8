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


def _fail(message: str) -> int:
    sys.stderr.write(f"perfgate: error: {message}\n")
    sys.stderr.flush()
    return EXIT_TOOL_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Answer --version before importing argparse: CI calls it often, and the
    # parser alone costs more than the interpreter's start-up.
    if arguments in (["--version"], ["-V"]):
        sys.stdout.write(f"perfgate {__version__}\n")
        return 0

    import signal

    from perfgate.types.errors import PerfgateError

    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        from perfgate.cli.commands import build_parser

        parsed = build_parser().parse_args(arguments)
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
