"""Product images for the dashboard's thumbnails and previews, from the same origin.

The image of a product is a blob name in the imports container (``images/<key>.<ext>``, from a
workbook or an upload) or a URL. A stored image is streamed from here, so the dashboard's
content-security-policy (``img-src 'self'``) needs no storage origin and no link outlives the
page; a URL is a redirect to it. Only a product's own image is served: the blob name comes
from the product document, never from the request.
"""

from __future__ import annotations

import mimetypes

import azure.functions as func

from functions.api.blueprint import RouteDoc, api_route
from shared.adapters.blob import imports_store
from shared.adapters.cosmos import get_store
from shared.core.errors import NotFound
from shared.ingest.bulk.images import PREFIX


@api_route(
    "inventory_item_image",
    "inventory/items/{id}/image",
    ["GET"],
    RouteDoc("A product's image (the stored picture, or a redirect to its URL)"),
)
def item_image(req: func.HttpRequest) -> func.HttpResponse:
    item_id = req.route_params["id"]
    product = get_store().read_or_none("products", item_id, item_id)
    if product is None:
        raise NotFound(f"no product {item_id!r}")
    value = str(product.get("image") or "")
    if not value:
        raise NotFound(f"product {item_id!r} has no image")
    if value.startswith(("https://", "http://")):
        return func.HttpResponse(status_code=302, headers={"location": value})
    name = value if value.startswith(PREFIX) else f"{PREFIX}{value}"
    blobs = imports_store()
    if blobs.info(name) is None:
        raise NotFound(f"the image of {item_id!r} ({name}) is not in storage")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if not kind.startswith("image/"):
        raise NotFound(f"the image of {item_id!r} ({name}) is not a picture")
    return func.HttpResponse(
        blobs.get_bytes(name),
        mimetype=kind,
        headers={"cache-control": "private, max-age=300", "x-content-type-options": "nosniff"},
    )
