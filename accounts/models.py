from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models

phone_validator = RegexValidator(r"^[0-9+\-\s]{5,20}$", "请输入有效的电话号码。")


class User(AbstractUser):
    """A portal user: bureau and school staff. Parents never need an account."""

    real_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=20, blank=True, validators=[phone_validator])

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.real_name or self.username

    def get_full_name(self):
        return self.real_name or super().get_full_name() or self.username

    def get_short_name(self):
        return self.real_name or self.username


class Notification(models.Model):
    """One message to one user: shown in the learner area (消息) and, where the user has an
    e-mail address, mailed. Kinds are open-ended strings (``training.claim.approved``…) so
    the back office's record notifications can use the same table later."""

    recipient = models.ForeignKey(
        User, verbose_name="收件人", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类型", max_length=50)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField(
        "链接", max_length=300, blank=True, help_text="站内路径，例如 /me/training/"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "消息"
        verbose_name_plural = "消息"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
