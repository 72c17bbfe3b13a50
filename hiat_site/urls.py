from django.contrib import admin
from django.urls import include, path

from assessments import team_views
from hiat_site import views as site_views
from workshops.urls import join_urlpatterns

admin.site.site_header = "HIAT Assessments administration"
admin.site.site_title = "HIAT Assessments admin"

urlpatterns = [
    path("", site_views.start, name="start"),
    path("accessibility/", site_views.accessibility_statement, name="accessibility_statement"),
    path("privacy/", site_views.privacy, name="privacy"),
    path("healthz", site_views.healthz, name="healthz"),
    path("favicon.ico", site_views.favicon, name="favicon"),
    path("accounts/", include("accounts.urls")),
    path("assessments/", include("assessments.urls")),
    path("workshops/", include("workshops.urls")),
    path("join/", include(join_urlpatterns)),
    path("invitations/<str:token>/", team_views.invitation_accept, name="invitation_accept"),
    path("admin/", admin.site.urls),
]
