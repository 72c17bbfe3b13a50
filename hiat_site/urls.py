from django.contrib import admin
from django.urls import include, path

from hiat_site import views as site_views

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
    path("admin/", admin.site.urls),
]
