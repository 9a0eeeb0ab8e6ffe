"""Command line entry point: ``taskmaster-mcp`` with no arguments serves MCP over stdio (what editors launch).

Everything else is imported lazily so that the stdio server starts as fast as the SDK allows.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Serve stdio with no arguments; otherwise run a subcommand (see ``taskmaster-mcp --help``)."""
    args = sys.argv[1:] if argv is None else argv
    if not args or args == ["serve"]:
        from taskmaster_mcp.mcp_server.stdio import serve_stdio

        return serve_stdio()
    from taskmaster_mcp.cli.main import run

    return run(args)


if __name__ == "__main__":
    sys.exit(main())
