"""Command line entry point: ``taskmaster-mcp`` with no arguments serves MCP over stdio (what editors launch).

Everything else is imported lazily so that the stdio server starts as fast as the SDK allows.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Serve stdio with no arguments; otherwise run a subcommand (see ``taskmaster-mcp --help``)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args == ["serve"]:
        return serve_stdio()
    from .cli import run

    return run(args)


def serve_stdio() -> int:
    """Run the MCP server on stdin/stdout. Logging goes to stderr; stdout carries only the protocol."""
    import contextlib
    import logging

    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="taskmaster-mcp %(levelname)s %(message)s")
    # Until the SDK takes over fd 1 (it diverts stray writes to stderr while serving), anything a dependency
    # prints while importing or building goes to stderr too.
    with contextlib.redirect_stdout(sys.stderr):
        import os

        from .app import build_app
        from .errors import TaskmasterError
        from .lazytools import default_cache_dir

        cache = default_cache_dir(os.environ)
        try:
            server = build_app(tool_cache=cache)
        except TaskmasterError as exc:  # a bad TASK_MASTER_TOOLS must not leave the editor with "Client closed"
            logging.getLogger("taskmaster_mcp").error("%s Serving every tool instead.", exc)
            server = build_app(profile="all", tool_cache=cache)
    server.run("stdio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
