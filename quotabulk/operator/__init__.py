"""The operator API client: `connect(settings, account)` gives an `OperatorClient`."""
