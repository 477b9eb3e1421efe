from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ddasum import jobs
from ddasum.validators import normalize_phone, validate_phone

from .models import PolicyVersion, User
from .selectors import policy_current


class SignupForm(forms.ModelForm):
    password1 = forms.CharField(label=_("비밀번호"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                                help_text=_("8자 이상, 숫자만으로는 안 됩니다."))
    password2 = forms.CharField(label=_("비밀번호 확인"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    agree_terms = forms.BooleanField(label=_("이용약관에 동의합니다 (필수)"),
                                     error_messages={"required": _("이용약관에 동의해 주세요.")})
    agree_privacy = forms.BooleanField(label=_("개인정보 수집·이용에 동의합니다 (필수)"),
                                       error_messages={"required": _("개인정보 수집·이용에 동의해 주세요.")})
    agree_age = forms.BooleanField(label=_("만 14세 이상입니다 (필수)"),
                                   error_messages={"required": _("만 14세 이상만 가입할 수 있습니다.")})
    agree_marketing = forms.BooleanField(label=_("기획전·쿠폰 등 마케팅 정보를 받겠습니다 (선택)"), required=False)

    class Meta:
        model = User
        fields = ("email", "name", "phone")
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"placeholder": "010-1234-5678", "inputmode": "tel"}),
        }

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("이미 가입된 이메일입니다. 로그인하거나 비밀번호를 찾아 주세요."))
        return email

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        if phone:
            phone = normalize_phone(phone)
            validate_phone(phone)
        return phone

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("비밀번호가 서로 다릅니다."))
        elif p1:
            user = User(email=data.get("email", ""), name=data.get("name", ""))
            try:
                password_validation.validate_password(p1, user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        now = timezone.now()
        user.terms_agreed_at = now
        user.age_confirmed_at = now
        # The versions in effect when the member agreed (none yet on a fresh install).
        user.terms_version = policy_current(PolicyVersion.Kind.TERMS, at=now)
        user.privacy_version = policy_current(PolicyVersion.Kind.PRIVACY, at=now)
        user.marketing_agreed_at = now if self.cleaned_data.get("agree_marketing") else None
        if commit:
            user.save()
        return user


class LoginForm(AuthenticationForm):
    username = forms.EmailField(label=_("이메일"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
    error_messages = {
        "invalid_login": _("이메일 또는 비밀번호가 맞지 않습니다. 5번 틀리면 15분 동안 로그인할 수 없습니다."),
        "inactive": _("사용이 중지된 계정입니다. 고객센터에 문의해 주세요."),
    }


class CeleryPasswordResetForm(PasswordResetForm):
    """Send the reset mail from a Celery task instead of inside the request."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        jobs.after_commit("accounts.email_send_task", to=[to_email], subject=subject, body=body)


class OtpCodeForm(forms.Form):
    """The six digits an authenticator app (Google Authenticator, 네이버 OTP…) shows."""

    code = forms.CharField(
        label=_("인증 코드 6자리"), max_length=8, strip=True,
        error_messages={"required": _("인증 앱에 표시된 6자리 코드를 입력해 주세요.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True,
                                      "pattern": "[0-9 ]*"}),
    )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("인증 코드는 숫자 6자리입니다."))
        return code
