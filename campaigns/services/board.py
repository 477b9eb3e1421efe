"""The notices and events board (공지·이벤트): listing, hits, comments and their moderation.

`Post.comment_count` is the number of visible comments. Every service that makes a comment
appear or disappear changes it by one with an F() update in the same transaction, after
locking the comment it changes, so the count cannot drift however requests interleave.

Comments are rate-limited per user (COMMENT_LIMITS: at most 3 a minute and 20 a day). The
check counts the user's own comments in the database while the user's row is locked, so two
requests of one user at the same moment cannot both slip under the limit.
"""
from dataclasses import dataclass
from datetime import timedelta

import markdown
import nh3
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..exceptions import CampaignError, NotAllowed
from ..models import Comment, CommentStatus, Post, PostKind

POSTS_PER_PAGE = 15
COMMENT_MIN_LENGTH = 2
COMMENT_MAX_LENGTH = 1000
# (window, most comments allowed in it) per user.
COMMENT_LIMITS = ((timedelta(minutes=1), 3), (timedelta(days=1), 20))
# The posts one session has counted a hit for (oldest dropped beyond this).
SEEN_SESSION_KEY = "board:seen"
SEEN_MAX = 200

BODY_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "h2", "h3", "h4", "a", "img", "blockquote", "hr",
             "table", "thead", "tbody", "tr", "th", "td"}
BODY_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}


class CommentRefused(CampaignError):
    """The comment cannot be posted; the message says why."""


class CommentRateLimited(CommentRefused):
    """The user posted too many comments lately."""


def post_body_html(source: str) -> str:
    """The operator's Markdown to safe HTML (links get rel="noopener noreferrer nofollow")."""
    html = markdown.markdown(source or "", extensions=["sane_lists", "nl2br", "tables"], output_format="html")
    return nh3.clean(html, tags=BODY_TAGS, attributes=BODY_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")


# --- listing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilter:
    kind: str = ""  # "" = every kind
    query: str = ""

    @classmethod
    def from_params(cls, params) -> "BoardFilter":
        kind = params.get("kind", "")
        return cls(kind=kind if kind in PostKind.values else "", query=(params.get("q") or "").strip()[:50])


def post_list(*, filters: BoardFilter, now=None):
    """Published posts matching the filters, newest first (pinned ones included)."""
    qs = Post.objects.published(now)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.query:
        qs = qs.filter(title__icontains=filters.query)
    return qs.only("pk", "kind", "title", "author_name", "published_at", "hits", "comment_count", "is_pinned",
                   "event_ends_on", "campaign_id")


def board_page(*, filters: BoardFilter, page_number, now=None):
    """The pinned notices (every page) and one page of the others, each numbered like the mall's board.

    A post's number is its place among the listed (unpinned) posts counted from the oldest, so
    the newest post carries the highest number and numbers stay put while paging.
    """
    posts = post_list(filters=filters, now=now)
    pinned = list(posts.filter(is_pinned=True).order_by("-published_at", "-id")[:10])
    paginator = Paginator(posts.filter(is_pinned=False).order_by("-published_at", "-id"), POSTS_PER_PAGE)
    page = paginator.get_page(page_number)
    first = paginator.count - (page.number - 1) * POSTS_PER_PAGE
    for i, post in enumerate(page.object_list):
        post.number = first - i
    return pinned, page


# --- hits -----------------------------------------------------------------------------------


def post_hit(*, post_id: int, session=None) -> bool:
    """Count one view of a post, once per session when a session is given (race-safe F() update)."""
    if session is not None:
        seen = list(session.get(SEEN_SESSION_KEY, []))
        if post_id in seen:
            return False
        seen.append(post_id)
        session[SEEN_SESSION_KEY] = seen[-SEEN_MAX:]
    return bool(Post.objects.filter(pk=post_id).update(hits=F("hits") + 1))


# --- comments -------------------------------------------------------------------------------


def comment_body_clean(body: str) -> str:
    body = (body or "").strip()
    if len(body) < COMMENT_MIN_LENGTH:
        raise CommentRefused(_("댓글은 %(n)s자 이상 입력해 주세요.") % {"n": COMMENT_MIN_LENGTH})
    if len(body) > COMMENT_MAX_LENGTH:
        raise CommentRefused(_("댓글은 %(n)s자까지 입력할 수 있습니다.") % {"n": COMMENT_MAX_LENGTH})
    return body


def comment_rate_check(*, user, now) -> None:
    """Refuse when the user reached a limit of COMMENT_LIMITS (the caller holds the user's row lock)."""
    longest = max(window for window, _limit in COMMENT_LIMITS)
    recent = list(Comment.objects.filter(user=user, created_at__gt=now - longest).values_list("created_at", flat=True))
    for window, limit in COMMENT_LIMITS:
        if sum(1 for at in recent if at > now - window) >= limit:
            raise CommentRateLimited(_("댓글을 너무 자주 작성했습니다. 잠시 후 다시 작성해 주세요."))


@transaction.atomic
def comment_create(*, post_id: int, user, body: str, now=None) -> Comment:
    """A signed-in user's comment on a published post that allows comments."""
    now = now or timezone.now()
    if not (user and user.is_authenticated and user.is_active):
        raise NotAllowed(_("로그인한 회원만 댓글을 쓸 수 있습니다."))
    body = comment_body_clean(body)
    post = Post.objects.published(now).filter(pk=post_id).only("pk", "allow_comments").first()
    if post is None:
        raise CommentRefused(_("글을 찾을 수 없습니다."))
    if not post.allow_comments:
        raise CommentRefused(_("댓글을 쓸 수 없는 글입니다."))
    # One user's comment requests queue here, so the rate check sees the ones just made.
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).get()
    comment_rate_check(user=user, now=now)
    comment = Comment.objects.create(post_id=post.pk, user=user, body=body, created_at=now)
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return comment


def _locked_comment(comment_id: int) -> Comment:
    comment = Comment.objects.select_for_update().filter(pk=comment_id).first()
    if comment is None:
        raise CommentRefused(_("댓글을 찾을 수 없습니다."))
    return comment


def _count_change(comment: Comment, delta: int) -> None:
    Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") + delta)


@transaction.atomic
def comment_delete(*, comment_id: int, actor) -> int:
    """Delete a comment: its author, or an operator. Returns the post's id."""
    comment = _locked_comment(comment_id)
    if not (actor and actor.is_authenticated and (actor.is_staff or actor.pk == comment.user_id)):
        raise NotAllowed(_("본인이 쓴 댓글만 지울 수 있습니다."))
    if comment.status == CommentStatus.VISIBLE:
        _count_change(comment, -1)
    post_id = comment.post_id
    comment.delete()
    return post_id


@transaction.atomic
def comment_moderate(*, comment_id: int, actor, action: str, now=None) -> Comment | None:
    """An operator hides, shows again or deletes a comment (deleting returns None)."""
    if not (actor and actor.is_authenticated and actor.is_active and actor.is_staff):
        raise NotAllowed(_("운영자만 댓글을 관리할 수 있습니다."))
    if action == "delete":
        comment_delete(comment_id=comment_id, actor=actor)
        return None
    targets = {"hide": CommentStatus.HIDDEN, "unhide": CommentStatus.VISIBLE}
    if action not in targets:
        raise CommentRefused(_("알 수 없는 요청입니다."))
    comment = _locked_comment(comment_id)
    target = targets[action]
    if comment.status == target:
        return comment  # asked twice: nothing changes
    comment.status = target
    comment.moderated_by = actor
    comment.moderated_at = now or timezone.now()
    comment.save(update_fields=["status", "moderated_by", "moderated_at"])
    _count_change(comment, -1 if target == CommentStatus.HIDDEN else 1)
    return comment


def comments_for_page(*, post_id: int):
    """Every comment of a post, oldest first, with its author (one query); the template hides hidden ones."""
    return list(Comment.objects.filter(post_id=post_id).select_related("user").order_by("created_at", "id"))


def post_comment_count_recompute(*, post_id: int) -> int:
    """Set a post's comment_count from its visible comments (for the demo and repairs)."""
    count = Comment.objects.filter(post_id=post_id, status=CommentStatus.VISIBLE).count()
    Post.objects.filter(pk=post_id).update(comment_count=count)
    return count


def masked_name(name: str) -> str:
    """'김민지' → '김*지', '이준' → '이*': how other members' names show on the board."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name or "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
