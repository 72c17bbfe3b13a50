from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import forms, views

urlpatterns = [
    path("", views.account, name="account"),
    path("name/", views.account_name, name="account_name"),
    path("email/", views.account_email, name="account_email"),
    path("password/", views.account_password, name="account_password"),
    path("sign-out-everywhere/", views.account_sign_out_everywhere, name="account_sign_out_everywhere"),
    path("your-data/", views.account_export_request, name="account_export_request"),
    path("your-data/<uuid:pk>.zip", views.account_export_download, name="account_export_download"),
    path("delete/", views.account_delete, name="account_delete"),
    path("session/", views.account_session, name="account_session"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            form_class=forms.PasswordResetForm,
            email_template_name="accounts/email/password_reset.txt",
            subject_template_name="accounts/email/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html", form_class=forms.SetPasswordForm
        ),
        name="password_reset_confirm",
    ),
    path(
        "reset/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
