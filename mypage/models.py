from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# 전자상거래법 시행령 §6: contracts, payments and deliveries 5 years; complaints and disputes 3 years.
RETENTION_CONTRACTS_DAYS = 5 * 365 + 1
RETENTION_COMPLAINTS_DAYS = 3 * 365 + 1


class AccountDeletion(models.Model):
    """A member who left (회원탈퇴): their account was anonymised at `deleted_at`; the order records
    the law asks to keep are scrubbed by `mypage.retention_purge_task` once their period ends."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deletion",
                                verbose_name=_("회원"))
    deleted_at = models.DateTimeField(_("탈퇴 시각"), default=timezone.now)
    purged_at = models.DateTimeField(_("보관 기록 파기 시각"), null=True, blank=True,
                                     help_text=_("보관 기간이 끝난 모든 기록을 파기한 시각"))

    class Meta:
        verbose_name = _("회원탈퇴")
        verbose_name_plural = _("회원탈퇴")
        ordering = ["-deleted_at"]

    def __str__(self):
        return f"{self.user_id} {self.deleted_at:%Y-%m-%d}"
