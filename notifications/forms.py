from django import forms
from django.utils.translation import gettext_lazy as _

from .kinds import ALIMTALK, BUYER, CHANNEL_LABELS, CHOOSABLE, KINDS, SMS


def field_name(kind: str, channel: str) -> str:
    return f"{kind}__{channel}"


def choosable_channels(kind) -> tuple[str, ...]:
    return tuple(c for c in CHOOSABLE if c != ALIMTALK or kind.has_template)


class PreferencesForm(forms.Form):
    """A checkbox per kind and channel, and the separate consent to advertising."""

    marketing = forms.BooleanField(
        label=_("광고성 정보(기획전·할인 소식) 수신에 동의합니다 (선택)"), required=False,
        help_text=_("동의하지 않아도 주문·배송 안내는 받습니다. 광고는 밤 9시부터 아침 8시 사이에는 보내지 않습니다."))

    def __init__(self, *args, chosen: dict[str, set[str]], marketing: bool, vendor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["marketing"].initial = marketing
        self.kinds = [k for k in KINDS.values() if k.choosable and (k.audience == BUYER or vendor)]
        for kind in self.kinds:
            for channel in choosable_channels(kind):
                if channel == SMS and ALIMTALK in choosable_channels(kind):
                    label = _("문자(SMS, 알림톡을 받지 않을 때)")
                else:
                    label = CHANNEL_LABELS[channel]
                self.fields[field_name(kind.code, channel)] = forms.BooleanField(
                    label=label, required=False, initial=channel in chosen.get(kind.code, set()))

    def rows(self):
        """(kind, [bound fields]) for the table."""
        return [(kind, [self[field_name(kind.code, c)] for c in choosable_channels(kind)]) for kind in self.kinds]

    def chosen(self) -> dict[str, set[str]]:
        return {kind.code: {c for c in choosable_channels(kind) if self.cleaned_data.get(field_name(kind.code, c))}
                for kind in self.kinds}
