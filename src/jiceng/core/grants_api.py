from django.contrib.auth import get_user_model
from rest_framework import mixins, serializers, viewsets
from rest_framework.response import Response

from jiceng.orgs import queries as org_queries

from . import services
from .api import ScopedViewSetMixin
from .models import Grant
from .roles import MANAGE_GRANTS, ROLE_CHOICES


class GrantSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    role = serializers.ChoiceField(choices=ROLE_CHOICES)

    class Meta:
        model = Grant
        fields = ["id", "username", "node", "role", "created_at"]
        read_only_fields = ["created_at"]


class GrantViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                   mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Role grants inside the caller's subtrees (org-department admins only)."""

    base_queryset = Grant.objects.select_related("user").order_by("node_id", "id")
    scope_action = MANAGE_GRANTS
    serializer_class = GrantSerializer

    def create(self, request, *args, **kwargs):
        data = GrantSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user = get_user_model().objects.filter(username=v["user"]["username"]).first()
        if user is None:
            raise serializers.ValidationError({"username": "用户不存在"})
        node = org_queries.get(request.user, v["node"].pk)
        grant = services.grant_role(request.user, user, node, v["role"])
        return Response(GrantSerializer(grant).data, status=201)

    def perform_destroy(self, instance):
        services.revoke_grant(self.request.user, instance)
