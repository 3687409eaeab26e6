"""The use cases both faces call: the CLI and the console parse, call one of these, and
render. Nothing here prints."""
