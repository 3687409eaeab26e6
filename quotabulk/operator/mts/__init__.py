"""The `mts-business` dialect: «МТС Бизнес API», «Корпоративный бюджет»."""

DIALECT = "mts-business"
ENV_CLIENT_ID = "QUOTABULK_CLIENT_ID"
ENV_CLIENT_SECRET = "QUOTABULK_CLIENT_SECRET"  # noqa: S105 - a variable's name
ENV_CLIENT_SECRET_FILE = "QUOTABULK_CLIENT_SECRET_FILE"  # noqa: S105
ENV_RULE_BLOCK = "QUOTABULK_MTS_RULE_BLOCK"
ENV_RULE_PERSONAL = "QUOTABULK_MTS_RULE_PERSONAL"
# The embedded MTS-shaped sandbox's client and rules (used only when no URL is set).
SANDBOX_CLIENT_ID = "quotabulk-sandbox"
SANDBOX_RULES = {"block": "CB.LIMIT.BLOCK:PV-1001", "personal": "CB.LIMIT.PERSONAL:PV-2001"}
