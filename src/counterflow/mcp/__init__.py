"""``counterflow mcp``: a Model Context Protocol server (stdio, the official MCP Python
SDK) whose read-only tools screen a party, explain a hit, show list status and look up a
vessel's events, behind the same API keys and roles as the HTTP service."""
