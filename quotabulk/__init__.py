"""quotabulk: declarative bulk operations on mobile-operator quotas."""

from __future__ import annotations

__version__ = "0.1.0"
