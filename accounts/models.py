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
