"""The dashboard API: every route lives in a module of this folder on one blueprint."""

from functions.api import (  # noqa: F401 - registers
    alerts,
    amazon,
    analyst,
    analytics,
    catalogue,
    demo,
    imports,
    inventory,
    jobs,
    product_images,
    ranking,
    ranking_holdout,
    rules,
    stores,
    system,
    whatsapp_local,
)
from functions.api.blueprint import bp

__all__ = ["bp"]
