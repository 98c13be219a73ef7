"""Every table the application has, gathered once: Alembic's env.py and the app factory
import this module so that `Base.metadata` holds every feature's tables without any feature
importing another only to register them.

A feature package that adds tables adds its models module here.
"""
from __future__ import annotations

from .accounts import models as account_models
from .audit import models as audit_models
from .cases import models as case_models
from .core.base import Base
from .districts import models as district_models
from .exchange import models as exchange_models
from .indicators import models as indicator_models
from .reports import models as report_models
from .search import models as search_models
from .taxonomy import models as taxonomy_models

__all__ = ["Base", "account_models", "audit_models", "case_models", "district_models",
           "exchange_models", "indicator_models", "report_models", "search_models",
           "taxonomy_models"]
