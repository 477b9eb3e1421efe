"""API tokens: obtained with email and password, counted by django-axes like the login page."""
from collections.abc import Callable

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, user_logged_in, user_login_failed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import match_token, user_has_device
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ddasum.api import ErrorSerializer


class TokenObtainSerializer(serializers.Serializer):
    email = serializers.EmailField(label=gettext_lazy("이메일"))
    password = serializers.CharField(label=gettext_lazy("비밀번호"), trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.RegexField(
        r"^\d{6}$", required=False, label=gettext_lazy("2단계 인증 코드"),
        help_text=gettext_lazy("2단계 인증을 켠 계정은 인증 앱의 6자리 코드가 필요합니다."),
        error_messages={"invalid": gettext_lazy("인증 코드는 숫자 6자리입니다.")},
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


def lockout_response(request) -> Response:
    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    if minutes:
        message = _("로그인에 여러 번 실패해 잠겼습니다. %(minutes)s분 뒤에 다시 시도해 주세요.") % {"minutes": minutes}
    else:
        message = _("로그인에 여러 번 실패해 잠겼습니다. 운영자에게 문의해 주세요.")
    headers = {"Retry-After": str(minutes * 60)} if minutes else {}
    return Response({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)


class TokenObtainApi(APIView):
    """Exchange email and password for the user's API token (one per user, reused)."""

    # No session authentication: an API client has no session, and a browser's would demand CSRF.
    authentication_classes = (TokenAuthentication,)
    # REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"]: guessing passwords here is also locked out by axes.
    throttle_scope = "token"
    # Who may hold a token: the URLconf that mounts this view decides (accounts knows no
    # vendors), e.g. TokenObtainApi.as_view(token_holder_check=user_has_partner_vendor).
    token_holder_check: Callable | None = None

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        auth=[],
        request=TokenObtainSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description=gettext_lazy("이메일, 비밀번호 또는 2단계 인증 코드가 맞지 않습니다.")),
            403: OpenApiResponse(ErrorSerializer, description=gettext_lazy("API를 쓸 수 없는 계정입니다.")),
            429: OpenApiResponse(ErrorSerializer, description=gettext_lazy("로그인 실패가 많아 잠시 잠겼습니다.")),
        },
        summary=gettext_lazy("API 토큰 받기"),
    )
    def post(self, request):
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"].strip().lower()
        django_request = request._request
        # With the request, django-axes counts a failure and refuses a locked-out email/IP.
        user = authenticate(request=django_request, username=email, password=serializer.validated_data["password"])
        if getattr(django_request, "axes_locked_out", False):
            # Answer in JSON here; AxesMiddleware would otherwise swap in the HTML lockout page.
            django_request.axes_locked_out = False
            return lockout_response(django_request)
        if user is None:
            return Response({"detail": _("이메일 또는 비밀번호가 맞지 않습니다.")}, status=status.HTTP_400_BAD_REQUEST)
        # A password alone is not enough for an account that turned two-factor authentication on.
        if user_has_device(user, confirmed=True):
            code = serializer.validated_data.get("otp_token")
            if not code:
                return Response({"otp_token": [_("2단계 인증 코드를 입력해 주세요.")]}, status=status.HTTP_400_BAD_REQUEST)
            if match_token(user, code) is None:
                # Counted by django-axes like a wrong password: guessing codes gets locked out too.
                user_login_failed.send(sender=__name__, credentials={"username": email}, request=django_request)
                return Response({"otp_token": [_("인증 코드가 맞지 않습니다.")]}, status=status.HTTP_400_BAD_REQUEST)
        check = self.token_holder_check
        if check is not None and not check(user):
            raise PermissionDenied(_("승인된 입점기업의 구성원만 API 토큰을 받을 수 있습니다."))
        # A token obtained is a login: last_login moves and django-axes clears the failures.
        user_logged_in.send(sender=user.__class__, request=django_request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})

    @extend_schema(responses={204: None}, summary=gettext_lazy("API 토큰 폐기"))
    def delete(self, request):
        """Revoke the caller's token; the next POST issues a new one."""
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)
