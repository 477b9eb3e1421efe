from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MypageConfig(AppConfig):
    """The member's own pages across apps: the my-page hub, account deletion and data export.

    It sits at the top of the layers (beside reviews and procurement) because it reads and
    anonymises what every app keeps about the member.
    """

    name = "mypage"
    verbose_name = _("마이페이지")
