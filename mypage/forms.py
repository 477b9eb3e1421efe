from django import forms
from django.utils.translation import gettext_lazy as _


class LeaveForm(forms.Form):
    password = forms.CharField(label=_("비밀번호"), strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
                               error_messages={"required": _("비밀번호를 입력해 주세요.")})
    confirm = forms.BooleanField(label=_("안내를 읽었고, 탈퇴하면 되돌릴 수 없다는 것을 압니다."),
                                 error_messages={"required": _("안내를 확인해 주세요.")})

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):  # hashing: outside any transaction
            raise forms.ValidationError(_("비밀번호가 맞지 않습니다."))
        return password
