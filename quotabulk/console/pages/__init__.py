"""The console's pages, one module per page: each parses, calls `quotabulk.app`, renders."""
