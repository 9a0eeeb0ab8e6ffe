"""taskmaster-mcp: a fast, safe MCP server for Task Master-compatible project tasks."""

__version__ = "0.1.0"
