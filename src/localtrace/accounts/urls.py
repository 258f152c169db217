from django.urls import path

from localtrace.accounts.views import account, sign_in, users

app_name = "accounts"

urlpatterns = [
    path("sign-in/", sign_in.sign_in, name="sign-in"),
    path("sign-in/code/", sign_in.code, name="code"),
    path("sign-in/set-up-authenticator/", sign_in.set_up_authenticator, name="set-up-authenticator"),
    path("sign-out/", sign_in.sign_out, name="sign-out"),
    path("signed-out/", sign_in.signed_out, name="signed-out"),
    path("password-reset/", sign_in.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", sign_in.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path("password-reset/complete/", sign_in.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("password-reset/<uidb64>/<token>/", sign_in.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("account/", account.account, name="account"),
    path("account/password/", account.change_password, name="change-password"),
    path("users/", users.user_list, name="user-list"),
    path("users/new/", users.user_create, name="user-create"),
    path("users/<int:pk>/", users.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", users.user_edit, name="user-edit"),
    path("users/<int:pk>/memberships/add/", users.membership_add, name="membership-add"),
    path("users/<int:pk>/memberships/<int:membership_pk>/remove/", users.membership_remove, name="membership-remove"),
    path("users/<int:pk>/roles/<int:grant_pk>/approve/", users.role_approve, name="role-approve"),
    path("users/<int:pk>/roles/<int:grant_pk>/withdraw/", users.role_withdraw, name="role-withdraw"),
    path("users/<int:pk>/reset-second-factor/", users.reset_second_factor, name="reset-second-factor"),
    path("users/<int:pk>/send-password-link/", users.send_password_link, name="send-password-link"),
    path("users/<int:pk>/active/", users.set_active, name="set-active"),
]
