"""Every table the application has, gathered once: Alembic's env.py and the app factory
import this module so that `Base.metadata` holds the core tables (knowledge.models) and each
feature's own (knowledge.exchange.models) without the core models importing a feature.

A feature package that adds tables adds its models module here.
"""
from __future__ import annotations

from . import models
from .exchange import models as exchange_models
from .models import Base

__all__ = ["Base", "models", "exchange_models"]
