from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from drf_spectacular.utils import extend_schema

from jiceng.core.api import ScopedViewSetMixin
from jiceng.orgs import queries as org_queries

from . import queries, services
from .choices import STATUSES
from .models import Membership, Person


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True)
    phone = serializers.CharField(source="phone_masked", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education",
                  "occupation", "residence"]


class MembershipSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "person", "person_name", "org", "group", "status", "since", "applied_on", "activist_on",
                  "candidate_on", "admitted_on", "full_on"]


class RegisterSerializer(serializers.Serializer):
    org = serializers.IntegerField()
    status = serializers.ChoiceField(choices=[s for s in STATUSES if s[0] != "left"])
    since = serializers.DateField()
    name = serializers.CharField(max_length=50)
    id_number = serializers.CharField(max_length=20)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    ethnicity = serializers.CharField(max_length=10, required=False)
    education = serializers.CharField(max_length=20, required=False, allow_blank=True)
    occupation = serializers.CharField(max_length=100, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False)
    gender = serializers.ChoiceField(choices=["M", "F"], required=False)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=STATUSES)
    on = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PersonViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """People, with ID-card and phone numbers masked. `q` searches names, pinyin initials
    (`zs` finds 张三) and ID-card numbers."""

    base_queryset = Person.objects.order_by("name_pinyin", "id")
    serializer_class = PersonSerializer
    filterset_fields = ["gender", "ethnicity", "education", "residence"]

    def list(self, request, *args, **kwargs):
        term = request.query_params.get("q")
        if term:
            return Response(PersonSerializer(queries.search(request.user, term), many=True).data)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"id_number": {"type": "string"}}}})
    @action(detail=True, methods=["post"], url_path="reveal-id-number")
    def reveal_id_number(self, request, pk=None, **kwargs):
        """The full ID-card number, for roles allowed to see it; written to the audit log."""
        return Response({"id_number": services.reveal_id_number(request.user, self.get_object())})


class MembershipViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Party memberships: register a person in a branch, move them through their statuses."""

    base_queryset = Membership.objects.select_related("person").order_by("org_id", "person__name_pinyin")
    serializer_class = MembershipSerializer
    filterset_fields = ["org", "status"]

    @extend_schema(request=RegisterSerializer, responses=MembershipSerializer)
    def create(self, request, *args, **kwargs):
        data = RegisterSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        org = org_queries.get(request.user, fields.pop("org"))
        membership = services.register_member(request.user, org=org, status=fields.pop("status"),
                                              since=fields.pop("since"), **fields)
        return Response(MembershipSerializer(membership).data, status=201)

    @extend_schema(request=StatusChangeSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], url_path="change-status")
    def change_status(self, request, pk=None, **kwargs):
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.change_status(request.user, self.get_object(), **data.validated_data)
        return Response(MembershipSerializer(membership).data)
