"""Pages of the notices and events board (/board/…) and of the campaign-mail consent (/subscribe/…).

The list runs a fixed number of queries whatever the page size (pinned, count, page); the
post page counts a hit once per session with an F() update.
"""
from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ddasum.exceptions import DomainError
from ddasum.views import call_service

from ..models import Comment, Post, PostKind, Subscription
from ..services import board
from ..services.subscriptions import (
    CONSENT_TEXT,
    subscription_for_user,
    subscription_subscribe,
    subscription_unsubscribe,
)

# --- forms ----------------------------------------------------------------------------------


class CommentForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("댓글"), min_length=board.COMMENT_MIN_LENGTH, max_length=board.COMMENT_MAX_LENGTH,
        strip=True, widget=forms.Textarea(attrs={"rows": 3, "maxlength": board.COMMENT_MAX_LENGTH}),
        error_messages={
            "required": gettext_lazy("댓글 내용을 입력해 주세요."),
            "min_length": gettext_lazy("댓글은 %(limit_value)d자 이상 입력해 주세요."),
            "max_length": gettext_lazy("댓글은 %(limit_value)d자까지 입력할 수 있습니다."),
        },
    )


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("이메일"), max_length=254,
                             error_messages={"required": gettext_lazy("이메일을 입력해 주세요."),
                                             "invalid": gettext_lazy("올바른 이메일 주소를 입력해 주세요.")})
    consent = forms.BooleanField(label=CONSENT_TEXT, required=True,
                                 error_messages={"required": gettext_lazy("수신 동의에 체크해 주세요.")})


# --- the board ------------------------------------------------------------------------------


SUBSCRIBE_PER_HOUR = 10
KIND_TABS = [("", gettext_lazy("전체"))] + list(PostKind.choices)


def board_list(request):
    """The board like the mall's: pinned notices, then numbered posts; kind tabs; title search."""
    filters = board.BoardFilter.from_params(request.GET)
    pinned, page = board.board_page(filters=filters, page_number=request.GET.get("page"))
    kept = urlencode([(k, v) for k, v in (("kind", filters.kind), ("q", filters.query)) if v])
    return render(request, "campaigns/board_list.html", {
        "pinned": pinned, "page_obj": page, "filters": filters, "kind_tabs": KIND_TABS,
        "page_query": f"{kept}&" if kept else "", "today": timezone.localdate(),
        "seo": {"title": _("공지·이벤트")},
    })


def _detail(request, post: Post, *, form=None, status: int = 200):
    comments = board.comments_for_page(post_id=post.pk)
    user = request.user
    for comment in comments:
        comment.is_mine = user.is_authenticated and comment.user_id == user.pk
        comment.can_delete = comment.is_mine or user.is_staff
        comment.shown_name = comment.user.name if (user.is_staff or comment.is_mine) else board.masked_name(
            comment.user.name)
    return render(request, "campaigns/post_detail.html", {
        "post": post, "body_html": board.post_body_html(post.body), "comments": comments,
        "form": form or CommentForm(), "is_staff": user.is_staff,
        "seo": {"title": post.title, "type": "article"},
    }, status=status)


def _visible_posts(request):
    qs = Post.objects.select_related("campaign")
    return qs if request.user.is_staff else qs.published()


def post_detail(request, pk: int):
    """A post with its body, linked campaign, and comments; a hit is counted once per session."""
    post = get_object_or_404(_visible_posts(request), pk=pk)
    if post.is_published and post.published_at <= timezone.now():  # an operator's preview counts nothing
        if board.post_hit(post_id=post.pk, session=request.session):
            post.hits += 1
    return _detail(request, post)


@require_POST
def comment_post(request, pk: int):
    post = get_object_or_404(Post.objects.published().select_related("campaign"), pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(post.get_absolute_url())
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            board.comment_create(post_id=post.pk, user=request.user, body=form.cleaned_data["body"])
        except board.CommentRateLimited as exc:
            form.add_error("body", exc.message)
            return _detail(request, post, form=form, status=429)
        except DomainError as exc:
            form.add_error("body", exc.message)
        else:
            messages.success(request, _("댓글을 등록했습니다."))
            return redirect(post.get_absolute_url() + "#comments")
    return _detail(request, post, form=form, status=400)


@require_POST
def comment_delete(request, pk: int):
    """The author (or an operator) deletes a comment."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("campaigns:board"))
    comment = get_object_or_404(Comment.objects.only("pk", "post_id", "user_id"), pk=pk)
    if not (request.user.is_staff or comment.user_id == request.user.pk):
        raise PermissionDenied
    _result, ok = call_service(request, board.comment_delete, comment_id=comment.pk, actor=request.user)
    if ok:
        messages.success(request, _("댓글을 삭제했습니다."))
    return redirect(reverse("campaigns:post_detail", args=[comment.post_id]) + "#comments")


@require_POST
def comment_moderate(request, pk: int):
    """An operator hides, shows again or deletes a comment (action=hide|unhide|delete)."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("campaigns:board"))
    if not (request.user.is_active and request.user.is_staff):
        raise PermissionDenied
    comment = get_object_or_404(Comment.objects.only("pk", "post_id"), pk=pk)
    action = request.POST.get("action", "")
    _result, ok = call_service(request, board.comment_moderate, comment_id=comment.pk, actor=request.user,
                               action=action)
    if ok:
        done = {"hide": _("댓글을 숨겼습니다."), "unhide": _("댓글을 다시 공개했습니다."), "delete": _("댓글을 삭제했습니다.")}
        messages.success(request, done[action])
    return redirect(reverse("campaigns:post_detail", args=[comment.post_id]) + "#comments")


# --- consent to campaign mail -----------------------------------------------------------------


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return ""


def _subscribe_allowed(request) -> bool:
    """At most SUBSCRIBE_PER_HOUR consent posts an hour from one address (against mass sign-ups of others)."""
    key = "campaigns:subscribe:" + (request.META.get("REMOTE_ADDR") or "?")
    cache.add(key, 0, 60 * 60)
    try:
        return cache.incr(key) <= SUBSCRIBE_PER_HOUR
    except ValueError:  # expired between add and incr
        return True


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """Consent to campaign mail: email + the consent checkbox; stored with its time and text."""
    user = request.user
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if form.is_valid() and not _subscribe_allowed(request):
            form.add_error(None, _("요청이 너무 많습니다. 잠시 후 다시 시도해 주세요."))
        elif form.is_valid():
            try:
                result = subscription_subscribe(email=form.cleaned_data["email"], consent_text=str(CONSENT_TEXT),
                                                user=user)
            except DomainError as exc:
                form.add_error("email", exc.message)
            else:
                if result.outcome == "already":
                    messages.info(request, _("이미 기획전 소식을 받고 계십니다."))
                else:
                    messages.success(request, _("기획전 소식 수신에 동의하셨습니다. 새 기획전이 열리면 메일로 알려 드릴게요."))
                return redirect(_safe_next(request) or reverse("campaigns:subscribe"))
    else:
        form = SubscribeForm(initial={"email": user.email if user.is_authenticated else ""})
    return render(request, "campaigns/subscribe.html", {
        "form": form, "next": _safe_next(request), "current": subscription_for_user(user),
        "seo": {"title": _("기획전 소식 받기"), "noindex": True},
    }, status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """The link in every campaign mail: GET asks to confirm, POST stops the mails (no login needed)."""
    subscription = get_object_or_404(Subscription, token=token)
    if request.method == "POST":
        _result, done = call_service(request, subscription_unsubscribe, token=token)
        if done:
            messages.success(request, _("수신 거부가 처리되었습니다. 더 이상 기획전 소식 메일을 보내지 않습니다."))
            return redirect(reverse("campaigns:unsubscribe", args=[token]))
    return render(request, "campaigns/unsubscribe.html", {
        "subscription": subscription, "seo": {"title": _("기획전 소식 수신 거부"), "noindex": True},
    })
