from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from jiceng.core import grant_views
from jiceng.core import views as core_views
from jiceng.core.grants_api import GrantViewSet
from jiceng.orgs.api import OrganizationViewSet, PostViewSet
from jiceng.people.api import MembershipViewSet, PersonViewSet

router = DefaultRouter()
router.register("orgs", OrganizationViewSet, basename="org")
router.register("posts", PostViewSet, basename="post")
router.register("people", PersonViewSet, basename="person")
router.register("memberships", MembershipViewSet, basename="membership")
router.register("grants", GrantViewSet, basename="grant")

admin.site.site_header = admin.site.site_title = "基层 · 管理后台"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("search/", core_views.search, name="search"),
    path("notices/", core_views.notices, name="notices"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("orgs/<int:org_id>/grants/", grant_views.grants, name="grants"),
    path("grants/<int:grant_id>/revoke/", grant_views.revoke, name="revoke_grant"),
    path("orgs/", include("jiceng.orgs.urls")),
    path("people/", include("jiceng.people.urls")),
    path("life/", include("jiceng.life.urls")),
    path("", include("jiceng.requests.figure_urls")),
    path("requests/", include("jiceng.requests.urls")),
    path("r/", include("jiceng.requests.public_urls")),
    path("open311/v2/", include("jiceng.requests.open311")),
    path("wechat/", include("jiceng.requests.wechat")),
    path("development/", include("jiceng.development.urls")),
    path("transfers/", include("jiceng.transfers.urls")),
    path("dues/", include("jiceng.dues.urls")),
    path("checkin/", include("jiceng.checkin.urls")),
    path("mobilization/", include("jiceng.mobilization.urls")),
    path("village/", include("jiceng.village.urls")),
    path("economy/", include("jiceng.economy.urls")),
    path("cadres/", include("jiceng.cadres.urls")),
    path("dashboard/", include("jiceng.dashboard.urls")),
    path("reports/", include("jiceng.reports.urls")),
    path("exchange/", include("jiceng.exchange.urls")),
    path("api/", include(router.urls)),
    path("api/token/", obtain_auth_token, name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
