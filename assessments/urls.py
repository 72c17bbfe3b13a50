from django.urls import path

from assessments import answer_views, history_views, report_views, team_views, version_views, views

urlpatterns = [
    path("", views.assessment_list, name="assessment_list"),
    path("new/", views.assessment_new, name="assessment_new"),
    path("<uuid:pk>/", views.assessment_task_list, name="assessment_task_list"),
    path("<uuid:pk>/introduction/", views.assessment_introduction, name="assessment_introduction"),
    path("<uuid:pk>/details/", views.assessment_details, name="assessment_details"),
    path("<uuid:pk>/summary/", views.assessment_summary, name="assessment_summary"),
    path("<uuid:pk>/sections/<int:number>/", views.section_edit, name="section"),
    path("<uuid:pk>/sections/<int:number>/check/", views.section_check, name="section_check"),
    path("<uuid:pk>/sections/<int:number>/complete/", views.section_complete, name="section_complete"),
    path("<uuid:pk>/sections/<int:number>/reopen/", views.section_reopen, name="section_reopen"),
    path("<uuid:pk>/answers/<slug:question_key>/", answer_views.answer_save, name="answer_save"),
    path("<uuid:pk>/answers/<slug:question_key>/history/", history_views.answer_history, name="answer_history"),
    path("<uuid:pk>/answers/<slug:question_key>/restore/", history_views.answer_restore, name="answer_restore"),
    path("<uuid:pk>/report/", views.assessment_report, name="assessment_report"),
    path("<uuid:pk>/report.pdf", report_views.assessment_report_pdf, name="assessment_report_pdf"),
    path("<uuid:pk>/report.docx", report_views.assessment_report_docx, name="assessment_report_docx"),
    path("<uuid:pk>/report/preparing/", report_views.assessment_report_preparing, name="assessment_report_preparing"),
    path("<uuid:pk>/report/status/", report_views.assessment_report_status, name="assessment_report_status"),
    path("<uuid:pk>/export.json", views.assessment_export, name="assessment_export"),
    path(
        "<uuid:pk>/toolkit-version/",
        version_views.assessment_toolkit_version,
        name="assessment_toolkit_version",
    ),
    path("<uuid:pk>/team/", team_views.team_page, name="assessment_team"),
    path("<uuid:pk>/team/invite/", team_views.team_invite, name="assessment_team_invite"),
    path("<uuid:pk>/team/role/", team_views.team_change_role, name="assessment_team_role"),
    path("<uuid:pk>/team/remove/", team_views.team_remove, name="assessment_team_remove"),
    path("<uuid:pk>/team/transfer/", team_views.team_transfer, name="assessment_team_transfer"),
    path("<uuid:pk>/team/withdraw-invitation/", team_views.team_revoke, name="assessment_team_revoke"),
    path("<uuid:pk>/team/leave/", team_views.team_leave, name="assessment_team_leave"),
    # Toolkit content as assessors see it, for content editors: no assessment involved.
    path("preview/sections/<int:section_pk>/", views.section_preview, name="section_preview"),
]
