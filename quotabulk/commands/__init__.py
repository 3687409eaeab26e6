"""One command per module; each only parses, calls the library and renders."""
