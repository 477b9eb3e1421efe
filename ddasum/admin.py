from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("따숨몰 운영자 관리자")
admin.site.site_title = _("따숨몰 운영")
admin.site.index_title = _("운영 관리")
