from django.urls import path

from assessments import views

urlpatterns = [
    path("", views.assessment_list, name="assessment_list"),
    path("new/", views.assessment_new, name="assessment_new"),
    path("<uuid:pk>/", views.assessment_task_list, name="assessment_task_list"),
    path("<uuid:pk>/introduction/", views.assessment_introduction, name="assessment_introduction"),
    path("<uuid:pk>/details/", views.assessment_details, name="assessment_details"),
    path("<uuid:pk>/sections/<int:number>/", views.section_edit, name="section"),
    path("<uuid:pk>/sections/<int:number>/check/", views.section_check, name="section_check"),
    path("<uuid:pk>/sections/<int:number>/complete/", views.section_complete, name="section_complete"),
    path("<uuid:pk>/report/", views.assessment_report, name="assessment_report"),
    path("<uuid:pk>/report.pdf", views.assessment_report_pdf, name="assessment_report_pdf"),
    path("<uuid:pk>/export.json", views.assessment_export, name="assessment_export"),
]
