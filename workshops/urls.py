from django.urls import path

from workshops import join_views, views

urlpatterns = [
    path("", views.workshop_list, name="workshop_list"),
    path("new/", views.workshop_new, name="workshop_new"),
    path("<int:workshop_id>/", views.workshop_dashboard, name="workshop_dashboard"),
    path("<int:workshop_id>/progress/", views.workshop_progress, name="workshop_progress"),
    path("<int:workshop_id>/questions/<slug:question_key>/", views.workshop_question, name="workshop_question"),
    path("<int:workshop_id>/answers.csv", views.workshop_answers_csv, name="workshop_answers_csv"),
    path("<int:workshop_id>/reports.zip", views.workshop_reports_zip, name="workshop_reports_zip"),
    path("<int:workshop_id>/reports/preparing/", views.workshop_reports_preparing, name="workshop_reports_preparing"),
    path("<int:workshop_id>/reports/status/", views.workshop_reports_status, name="workshop_reports_status"),
    path("<int:workshop_id>/close/", views.workshop_close, name="workshop_close"),
    path("<int:workshop_id>/delete/", views.workshop_delete, name="workshop_delete"),
]

join_urlpatterns = [
    path("", join_views.join, name="join"),
    path("keep-your-work/", join_views.join_keep, name="join_keep"),
    path("return/", join_views.join_return, name="join_return"),
    path("<str:code>/", join_views.join_code, name="join_code"),
]
