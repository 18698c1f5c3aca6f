from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错 5 次将被暂时锁定 30 分钟。",
        "inactive": "该账户已停用，请联系学校管理员。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordResetRequestForm(PasswordResetForm):
    """忘记密码: the e-mail address on file. The answer is the same whether or not an
    account has it (no user enumeration)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["email"]
        field.label = "登记的电子邮箱"
        field.help_text = (
            "填写学校为您登记的邮箱。若该邮箱对应有效账号，我们会发送一封重置密码的邮件。"
        )
        field.error_messages = {
            "required": "请填写电子邮箱。",
            "invalid": "邮箱格式不正确，例如 zhang.li@school.edu.cn。",
        }
        field.widget.attrs.update({"autocomplete": "email", "inputmode": "email"})


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "再次输入新密码"
