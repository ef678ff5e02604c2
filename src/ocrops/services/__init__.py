"""Use cases shared by the CLI, the API, the MCP server and the web UI."""
