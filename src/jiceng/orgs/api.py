from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from jiceng.core.api import ScopedViewSetMixin
from jiceng.core.search import name_q

from . import checks, queries, rollups, services
from .kinds import KINDS, SECTORS
from .models import LeadershipPost, Organization


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "kind", "sector", "division_code", "uscc", "founded_on", "dissolved_on", "status",
                  "parent", "depth", "area"]
        read_only_fields = ["depth", "status"]


class OrganizationCreateSerializer(serializers.Serializer):
    parent = serializers.IntegerField()
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=KINDS)
    sector = serializers.ChoiceField(choices=SECTORS, default="other")
    division_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    founded_on = serializers.DateField(required=False, allow_null=True)


class MoveSerializer(serializers.Serializer):
    parent = serializers.IntegerField()


class ProblemSerializer(serializers.Serializer):
    org = serializers.IntegerField(source="org.pk")
    org_name = serializers.CharField(source="org.name")
    code = serializers.CharField()
    message = serializers.CharField()


class PostSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = LeadershipPost
        fields = ["id", "org", "person", "person_name", "title", "term_start", "term_end", "ended_on"]
        read_only_fields = ["term_end", "ended_on"]


class OrganizationViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Organizations (the tree). Lists are limited to the caller's subtrees; `q` searches
    names and pinyin initials."""

    base_queryset = Organization.objects.order_by("path")
    serializer_class = OrganizationSerializer
    filterset_fields = ["kind", "sector", "status", "parent"]

    def get_queryset(self):
        qs = super().get_queryset()
        term = self.request.query_params.get("q")
        return qs.filter(name_q(term)[0]) if term else qs

    @extend_schema(request=OrganizationCreateSerializer, responses=OrganizationSerializer)
    def create(self, request, *args, **kwargs):
        data = OrganizationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        parent = queries.get(request.user, fields.pop("parent"))
        org = services.create_org(request.user, parent=parent, **fields)
        return Response(OrganizationSerializer(org).data, status=201)

    def update(self, request, *args, partial=False, **kwargs):
        org = self.get_object()
        data = OrganizationSerializer(org, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = {k: v for k, v in data.validated_data.items() if k not in {"parent", "kind"}}
        org = services.update_org(request.user, org, **changes)
        return Response(OrganizationSerializer(org).data)

    @extend_schema(request=MoveSerializer, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None, **kwargs):
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = services.move_org(request.user, self.get_object(), queries.get(request.user, data.validated_data["parent"]))
        return Response(OrganizationSerializer(org).data)

    @action(detail=True)
    def children(self, request, pk=None, **kwargs):
        page = self.paginate_queryset(queries.children(request.user, self.get_object()))
        return self.get_paginated_response(OrganizationSerializer(page, many=True).data)

    @extend_schema(responses={200: {"type": "object", "additionalProperties": {"type": "integer"}}})
    @action(detail=True)
    def counts(self, request, pk=None, **kwargs):
        """Rollup counts of the subtree: status:*, gender:*, birth_year:*, sector:*, kind:*, org_sector:*."""
        return Response(rollups.counts(self.get_object()))

    @extend_schema(responses=ProblemSerializer(many=True))
    @action(detail=True)
    def problems(self, request, pk=None, **kwargs):
        found = checks.problems_under(self.get_object(), queries.visible(request.user))
        page = self.paginate_queryset(found)
        return self.get_paginated_response(ProblemSerializer(page, many=True).data)


class PostViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    """Leadership posts (书记, 副书记, 委员) with their terms."""

    base_queryset = LeadershipPost.objects.select_related("person").order_by("org_id", "title")
    serializer_class = PostSerializer
    filterset_fields = ["org", "title"]

    def create(self, request, *args, **kwargs):
        from jiceng.people import queries as people_queries

        data = PostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        org = queries.get(request.user, v["org"].pk)
        person = people_queries.get(request.user, v["person"].pk)
        post = services.appoint(request.user, org, person, v["title"], v["term_start"])
        return Response(PostSerializer(post).data, status=201)
