"""Facts of the mall that several apps share."""
from django.utils.translation import gettext_lazy as _

# The mall's 12 categories, in the mall's order (catalog seeds them into its table).
MALL_CATEGORIES = (
    _("쌀/잡곡"),
    _("과일/채소/꾸러미"),
    _("축/수산물"),
    _("반찬/장류"),
    _("가공식품"),
    _("건강식품"),
    _("도시락/단체급식"),
    _("생활용품"),
    _("교육/문화/체험"),
    _("서비스"),
    _("컴퓨터 주변기기"),
    _("돌봄서비스"),
)
