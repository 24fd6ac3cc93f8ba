"""Areas of a node's children for the dashboard's map: a child's own area (GeoJSON, kept on
the tree), or, when it has none, the union (shapely) of the nearest descendants that have one.
Unions are cached, keyed by the tree's newest change (a save or a subtree move bumps
`updated_at`, read with one indexed MAX), so a changed area is never served stale."""

import json

from django.core.cache import cache
from django.db.models import Max, TextField
from django.db.models.functions import Cast
from shapely import from_geojson, to_geojson
from shapely.ops import unary_union

from jiceng.core import policy, tree
from jiceng.orgs.models import Organization


def _version():
    at = Organization.objects.aggregate(at=Max("updated_at"))["at"]
    return at.timestamp() if at else 0


def _nearest_with_area(node):
    """Ids of the descendants of `node` that have an area and no ancestor below `node` with one."""
    rows = (Organization.objects.filter(tree.subtree_q(node.path), area__isnull=False).exclude(pk=node.pk)
            .order_by("path").values_list("pk", "path"))
    chosen, last = [], None
    for pk, path in rows:
        if last is None or not path.startswith(last):
            chosen.append(pk)
            last = path
    return chosen


def _union(node):
    ids = _nearest_with_area(node)
    if not ids:
        return None
    texts = Organization.objects.filter(pk__in=ids).values_list(Cast("area", output_field=TextField()), flat=True)
    shapes = [from_geojson(t) for t in texts]
    merged = unary_union([s.buffer(0) if not s.is_valid else s for s in shapes])
    return json.loads(to_geojson(merged))


def area(node, on):
    """The node's own GeoJSON geometry, or the cached union of its descendants' (None: no area)."""
    if node.area:
        return node.area
    key = f"dashboard:area:{node.pk}:{node.path}:{_version()}"
    kept = cache.get(key)
    if kept is None:
        kept = {"geometry": _union(node)}
        cache.set(key, kept, policy.get("dashboard.map_cache_seconds", on=on))
    return kept["geometry"]


def feature_collection(children, on):
    """GeoJSON of the children that have (or contain) an area; `name` is what ECharts matches."""
    features = []
    for child in children:
        geometry = area(child, on)
        if geometry:
            features.append({"type": "Feature", "id": child.pk, "geometry": geometry,
                             "properties": {"name": child.name, "id": child.pk}})
    return {"type": "FeatureCollection", "features": features}
