"""The same organization tree held by other tree designs, for bench/tree.py only.

Each peer node's primary key is the Organization's id, so members are counted by joining
people_membership.org_id to the peer's ids. The tables are created and filled by the
benchmark (schema editor, bulk inserts); there are no migrations. The ltree peer
(PostgreSQL only) is plain SQL in bench/tree.py.
"""

from django.db import models
from mptt.models import MPTTModel, TreeForeignKey
from treebeard.mp_tree import MP_Node


class TreebeardNode(MP_Node):
    """django-treebeard materialized path (steplen 4, base 36)."""

    id = models.BigIntegerField(primary_key=True)
    name = models.CharField(max_length=200)

    class Meta:
        db_table = "bench_peer_treebeard"


class MpttNode(MPTTModel):
    """django-mptt nested sets (lft/rght per tree_id)."""

    id = models.BigIntegerField(primary_key=True)
    parent = TreeForeignKey("self", models.CASCADE, null=True, blank=True, related_name="children")
    name = models.CharField(max_length=200)

    class Meta:
        db_table = "bench_peer_mptt"


class AdjacencyNode(models.Model):
    """A plain adjacency list (parent_id, indexed), read with a recursive CTE."""

    id = models.BigIntegerField(primary_key=True)
    parent = models.ForeignKey("self", models.CASCADE, null=True, blank=True, related_name="children")
    name = models.CharField(max_length=200)

    class Meta:
        db_table = "bench_peer_adjacency"


PEER_MODELS = [TreebeardNode, MpttNode, AdjacencyNode]
