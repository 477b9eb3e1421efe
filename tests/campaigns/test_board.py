"""The notices and events board: listing like the mall's, hits, comments, rate limit, moderation."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Comment, CommentStatus, Post, PostKind, Subscription
from campaigns.services import board
from ddasum.demo import accounts as accounts_demo
from ddasum.demo import board as demo_board
from tests.campaigns.factories import CampaignFactory
from tests.factories import UserFactory
from tests.otp import otp_login

pytestmark = pytest.mark.django_db

BOARD = "/board/"


def make_post(days_ago: float = 1, **kwargs) -> Post:
    kwargs.setdefault("title", f"공지 {Post.objects.count() + 1}")
    kwargs.setdefault("body", "본문입니다.")
    return Post.objects.create(published_at=timezone.now() - timedelta(days=days_ago), **kwargs)


def rows(response) -> list[tuple[str, str]]:
    """(number cell, title) of each row of the board, in order."""
    html = response.content.decode()
    out = []
    for row in re.findall(r'<tr[^>]*data-testid="post-row"[^>]*>(.*?)</tr>', html, re.S):
        number = re.sub(r"<[^>]+>", "", re.search(r'class="col-no">(.*?)</td>', row, re.S).group(1)).strip()
        title = re.search(r'<a href="/board/\d+/">(.*?)</a>', row).group(1)
        out.append((number, title))
    return out


def comment(post, user, body="좋은 소식 감사합니다", **kwargs) -> Comment:
    c = Comment.objects.create(post=post, user=user, body=body, **kwargs)
    board.post_comment_count_recompute(post_id=post.pk)
    return c


def visible_count(post) -> int:
    return Comment.objects.filter(post=post, status=CommentStatus.VISIBLE).count()


# --- the list ---------------------------------------------------------------------------------


def test_board_lists_pinned_notices_first_then_numbered_posts_newest_highest(client, user):
    make_post(10, title="2016 따숨몰 서포터즈 2기 모집", kind=PostKind.EVENT, author_name="따숨몰", hits=3801)
    make_post(5, title="퀴즈풀고 매실먹자 이벤트", kind=PostKind.EVENT, author_name="따숨지기", hits=861)
    winners = make_post(2, title="이벤트 당첨자 발표", kind=PostKind.WINNERS, author_name="따숨지기", hits=291)
    make_post(30, title="개인정보 처리방침 변경 안내", is_pinned=True)
    make_post(-1, title="내일 올라갈 글")  # not published yet
    make_post(1, title="비공개 글", is_published=False)
    comment(winners, user)
    comment(winners, user, body="축하합니다")

    response = client.get(BOARD)
    assert response.status_code == 200
    assert rows(response) == [
        ("공지", "개인정보 처리방침 변경 안내"),
        ("3", "이벤트 당첨자 발표"),
        ("2", "퀴즈풀고 매실먹자 이벤트"),
        ("1", "2016 따숨몰 서포터즈 2기 모집"),
    ]
    html = response.content.decode()
    assert "[2]" in html  # the winners' post shows its comment count
    assert "3,801" in html and "따숨지기" in html
    assert (timezone.localtime(winners.published_at).strftime("%Y/%m/%d")) in html
    assert "내일 올라갈 글" not in html and "비공개 글" not in html


def test_numbers_continue_across_pages_and_pinned_show_on_every_page(client):
    for i in range(20):
        make_post(20 - i, title=f"글 {i + 1}")
    make_post(40, title="상단 공지", is_pinned=True)
    first = rows(client.get(BOARD))
    assert first[0] == ("공지", "상단 공지")
    assert first[1] == ("20", "글 20") and first[-1] == ("6", "글 6")
    assert len(first) == 1 + board.POSTS_PER_PAGE
    second = rows(client.get(BOARD, {"page": 2}))
    assert second == [("공지", "상단 공지")] + [(str(n), f"글 {n}") for n in range(5, 0, -1)]


def test_kind_tabs_and_title_search(client):
    make_post(3, title="설 선물세트 배송 안내", kind=PostKind.NOTICE)
    make_post(2, title="추석 판매전 퀴즈 이벤트", kind=PostKind.EVENT)
    make_post(1, title="추석 퀴즈 당첨자 발표", kind=PostKind.WINNERS)

    assert [t for _n, t in rows(client.get(BOARD, {"kind": "event"}))] == ["추석 판매전 퀴즈 이벤트"]
    assert [t for _n, t in rows(client.get(BOARD, {"kind": "winners"}))] == ["추석 퀴즈 당첨자 발표"]
    found = rows(client.get(BOARD, {"q": "추석"}))
    assert found == [("2", "추석 퀴즈 당첨자 발표"), ("1", "추석 판매전 퀴즈 이벤트")]
    assert rows(client.get(BOARD, {"q": "추석", "kind": "event"})) == [("1", "추석 판매전 퀴즈 이벤트")]
    empty = client.get(BOARD, {"q": "김장"})
    assert rows(empty) == [] and "김장" in empty.content.decode()
    # an unknown kind is ignored rather than failing
    assert len(rows(client.get(BOARD, {"kind": "nope"}))) == 3


def test_list_runs_a_fixed_number_of_queries(client, user, django_assert_max_num_queries):
    def count(n_posts):
        Post.objects.all().delete()
        for i in range(n_posts):
            p = make_post(i + 1, kind=PostKind.EVENT if i % 2 else PostKind.NOTICE, is_pinned=i < 2)
            comment(p, user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BOARD).status_code == 200
        return len(ctx.captured_queries)

    client.force_login(user)
    client.get(BOARD)  # warm the caches the site header fills on a first visit
    few, many = count(3), count(40)
    assert few == many
    # pinned, count, page; session, user, and the header's notifications, vendors, cart; the consent box
    with django_assert_max_num_queries(9):
        client.get(BOARD, {"page": 2, "q": "공지"})


# --- the post page ------------------------------------------------------------------------------


def test_post_page_renders_markdown_safely_with_campaign_link_and_event_end(client):
    campaign = CampaignFactory(title="2025 추석 판매전", slug="chuseok-2025")
    post = make_post(1, title="추석 판매전 퀴즈 이벤트", kind=PostKind.EVENT, campaign=campaign,
                     event_ends_on=timezone.localdate() + timedelta(days=7),
                     body="**정답**을 댓글로!\n\n<script>alert(1)</script>\n\n[따숨몰](https://ddasum.kr)")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<strong>정답</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="https://ddasum.kr"' in html and "nofollow" in html
    assert campaign.get_absolute_url() in html
    assert "이벤트 마감" in html


def test_hits_count_once_per_session(client, user):
    post = make_post(1, hits=10)
    client.get(post.get_absolute_url())
    client.get(post.get_absolute_url())
    post.refresh_from_db()
    assert post.hits == 11
    other = type(client)()
    response = other.get(post.get_absolute_url())
    post.refresh_from_db()
    assert post.hits == 12
    assert 'data-testid="post-hits">12<' in response.content.decode()


def test_unpublished_post_is_404_for_visitors_and_a_preview_for_staff(client, operator):
    post = make_post(-2, title="예약 글")
    assert client.get(post.get_absolute_url()).status_code == 404
    otp_login(client, operator)
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    post.refresh_from_db()
    assert post.hits == 0  # a preview is not a view


def test_hidden_comments_show_a_placeholder_to_others_and_in_full_to_staff(client, user, operator):
    post = make_post(1)
    comment(post, user, body="정답은 3번입니다")
    comment(post, UserFactory(), body="광고 글입니다 010-0000-0000", status=CommentStatus.HIDDEN)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "정답은 3번입니다" in html
    assert "광고 글입니다" not in html and "관리자에 의해 숨겨진 댓글입니다" in html
    otp_login(client, operator)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "광고 글입니다" in html and "관리자에 의해 숨겨진 댓글입니다" not in html


def test_other_members_names_are_masked(client, user):
    post = make_post(1)
    writer = UserFactory(name="김민지")
    comment(post, writer)
    html = client.get(post.get_absolute_url()).content.decode()
    assert "김*지" in html and "김민지" not in html
    client.force_login(writer)
    assert "김민지" in client.get(post.get_absolute_url()).content.decode()


def test_detail_query_count_does_not_grow_with_comments(client, user):
    post = make_post(1)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            client.get(post.get_absolute_url())
        return len(ctx.captured_queries)

    client.force_login(user)
    comment(post, user)
    client.get(post.get_absolute_url())  # the first view counts the hit
    few = count()
    for i in range(15):
        comment(post, UserFactory(), body=f"댓글 {i}")
    assert count() == few


# --- posting comments ---------------------------------------------------------------------------


def test_visitor_is_sent_to_login_and_nothing_is_posted(client):
    post = make_post(1)
    response = client.post(reverse("campaigns:comment_post", args=[post.pk]), {"body": "안녕하세요"})
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not Comment.objects.exists()
    assert "로그인" in client.get(post.get_absolute_url()).content.decode()


def test_member_posts_a_comment_and_the_count_follows(client, user):
    post = make_post(1)
    client.force_login(user)
    response = client.post(reverse("campaigns:comment_post", args=[post.pk]), {"body": "  정답은 3번!  "})
    assert response.status_code == 302
    c = Comment.objects.get()
    assert (c.user, c.body, c.status) == (user, "정답은 3번!", CommentStatus.VISIBLE)
    post.refresh_from_db()
    assert post.comment_count == 1
    assert "정답은 3번!" in client.get(post.get_absolute_url()).content.decode()


def test_comments_closed_are_refused(client, user):
    post = make_post(1, allow_comments=False)
    client.force_login(user)
    response = client.post(reverse("campaigns:comment_post", args=[post.pk]), {"body": "댓글 되나요"})
    assert response.status_code == 400
    assert "댓글을 쓸 수 없는 글입니다" in response.content.decode()
    assert not Comment.objects.exists()
    assert 'data-testid="comment-form"' not in client.get(post.get_absolute_url()).content.decode()


@pytest.mark.parametrize("body", ["", "가", "가" * 1001])
def test_comment_length_is_checked(client, user, body):
    post = make_post(1)
    client.force_login(user)
    response = client.post(reverse("campaigns:comment_post", args=[post.pk]), {"body": body})
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_on_unpublished_post_is_404(client, user):
    post = make_post(1, is_published=False)
    client.force_login(user)
    assert client.post(reverse("campaigns:comment_post", args=[post.pk]), {"body": "몰래 댓글"}).status_code == 404


def test_rate_limit_three_a_minute(client, user):
    post = make_post(1)
    client.force_login(user)
    url = reverse("campaigns:comment_post", args=[post.pk])
    for i in range(3):
        assert client.post(url, {"body": f"댓글 {i}번"}).status_code == 302
    response = client.post(url, {"body": "네 번째 댓글"})
    assert response.status_code == 429
    assert "잠시 후 다시 작성해 주세요" in response.content.decode()
    assert Comment.objects.count() == 3
    # another member is not held back
    client.force_login(UserFactory())
    assert client.post(url, {"body": "다른 회원 댓글"}).status_code == 302


def test_rate_limit_twenty_a_day_and_a_minute_later_is_fine(user):
    post = make_post(3)
    start = timezone.now() - timedelta(hours=20)
    for i in range(20):
        board.comment_create(post_id=post.pk, user=user, body=f"댓글 {i}", now=start + timedelta(minutes=2 * i))
    with pytest.raises(board.CommentRateLimited):
        board.comment_create(post_id=post.pk, user=user, body="스물한 번째", now=start + timedelta(hours=2))
    # the first comments leave the day's window
    board.comment_create(post_id=post.pk, user=user, body="다음 날 댓글", now=start + timedelta(hours=24, minutes=1))
    # three in a minute, then one more a minute later
    other = UserFactory()
    moment = timezone.now()
    for i in range(3):
        board.comment_create(post_id=post.pk, user=other, body=f"빠른 댓글 {i}", now=moment)
    with pytest.raises(board.CommentRateLimited):
        board.comment_create(post_id=post.pk, user=other, body="너무 빠름", now=moment + timedelta(seconds=30))
    board.comment_create(post_id=post.pk, user=other, body="이제 괜찮음", now=moment + timedelta(seconds=61))
    post.refresh_from_db()
    assert post.comment_count == visible_count(post) == 25


# --- deleting and moderating ------------------------------------------------------------------


def test_author_deletes_own_comment_others_may_not(client, user):
    post = make_post(1)
    mine = comment(post, user, body="제 댓글")
    theirs = comment(post, UserFactory(), body="남의 댓글")
    client.force_login(user)
    assert client.post(reverse("campaigns:comment_delete", args=[theirs.pk])).status_code == 403
    assert Comment.objects.filter(pk=theirs.pk).exists()
    html = client.get(post.get_absolute_url()).content.decode()
    assert reverse("campaigns:comment_delete", args=[mine.pk]) in html
    assert reverse("campaigns:comment_delete", args=[theirs.pk]) not in html
    response = client.post(reverse("campaigns:comment_delete", args=[mine.pk]))
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=mine.pk).exists()
    post.refresh_from_db()
    assert post.comment_count == 1


def test_visitor_cannot_delete(client, user):
    post = make_post(1)
    c = comment(post, user)
    response = client.post(reverse("campaigns:comment_delete", args=[c.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert Comment.objects.filter(pk=c.pk).exists()


def test_staff_hides_shows_and_deletes_and_the_count_stays_right(client, user, operator):
    post = make_post(1)
    a = comment(post, user, body="좋은 댓글")
    b = comment(post, UserFactory(), body="스팸 댓글 광고")
    url = reverse("campaigns:comment_moderate", args=[b.pk])
    otp_login(client, operator)

    assert client.post(url, {"action": "hide"}).status_code == 302
    b.refresh_from_db()
    post.refresh_from_db()
    assert b.status == CommentStatus.HIDDEN and b.moderated_by == operator and b.moderated_at
    assert post.comment_count == 1 == visible_count(post)
    client.post(url, {"action": "hide"})  # twice: nothing more changes
    post.refresh_from_db()
    assert post.comment_count == 1

    assert client.post(url, {"action": "unhide"}).status_code == 302
    post.refresh_from_db()
    assert post.comment_count == 2 == visible_count(post)

    client.post(url, {"action": "hide"})
    assert client.post(url, {"action": "delete"}).status_code == 302  # deleting a hidden one
    post.refresh_from_db()
    assert not Comment.objects.filter(pk=b.pk).exists() and post.comment_count == 1 == visible_count(post)

    client.post(reverse("campaigns:comment_moderate", args=[a.pk]), {"action": "delete"})
    post.refresh_from_db()
    assert post.comment_count == 0 == visible_count(post)


def test_non_staff_cannot_moderate(client, user):
    post = make_post(1)
    c = comment(post, UserFactory())
    url = reverse("campaigns:comment_moderate", args=[c.pk])
    response = client.post(url, {"action": "hide"})
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    client.force_login(user)
    assert client.post(url, {"action": "hide"}).status_code == 403
    assert client.post(url, {"action": "delete"}).status_code == 403
    c.refresh_from_db()
    assert c.status == CommentStatus.VISIBLE
    with pytest.raises(board.NotAllowed):
        board.comment_moderate(comment_id=c.pk, actor=user, action="hide")


def test_moderation_buttons_only_for_staff(client, user, operator):
    post = make_post(1)
    c = comment(post, UserFactory())
    moderate = reverse("campaigns:comment_moderate", args=[c.pk])
    client.force_login(user)
    assert moderate not in client.get(post.get_absolute_url()).content.decode()
    otp_login(client, operator)
    assert moderate in client.get(post.get_absolute_url()).content.decode()


# --- the operator admin ----------------------------------------------------------------------


def test_admin_post_add_sets_author_and_default_name(client, operator):
    otp_login(client, operator)
    page = client.get(reverse("admin:campaigns_post_add"))
    assert page.status_code == 200 and 'value="따숨몰"' in page.content.decode()
    now = timezone.localtime()
    response = client.post(reverse("admin:campaigns_post_add"), {
        "kind": "event", "title": "크리스마스 이벤트", "body": "후기를 남겨 주세요", "campaign": "",
        "event_ends_on": "", "is_published": "on", "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"), "allow_comments": "on", "author_name": "따숨몰",
        "comments-TOTAL_FORMS": "0", "comments-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    post = Post.objects.get()
    assert post.author == operator and post.author_name == "따숨몰"


def test_admin_actions_hide_show_delete_keep_the_count(client, operator, user):
    post = make_post(1)
    cs = [comment(post, UserFactory(), body=f"댓글 {i}") for i in range(3)]
    otp_login(client, operator)
    changelist = reverse("admin:campaigns_comment_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "hide_selected", "_selected_action": [cs[0].pk, cs[1].pk]})
    post.refresh_from_db()
    assert post.comment_count == 1 == visible_count(post)
    client.post(changelist, {"action": "show_selected", "_selected_action": [cs[0].pk]})
    post.refresh_from_db()
    assert post.comment_count == 2 == visible_count(post)
    client.post(changelist, {"action": "delete_with_count", "_selected_action": [cs[0].pk, cs[2].pk]})
    post.refresh_from_db()
    assert Comment.objects.count() == 1 and post.comment_count == 0 == visible_count(post)


def test_board_link_in_the_header(client):
    assert 'href="/board/"' in client.get(BOARD).content.decode()


def test_inactive_member_cannot_comment():
    inactive = UserFactory(is_active=False)
    post = make_post(1)
    with pytest.raises(board.NotAllowed):
        board.comment_create(post_id=post.pk, user=inactive, body="비활성 회원")
    assert not Comment.objects.exists()


def test_demo_board_seed_is_idempotent_and_consistent(client):
    import io
    import random

    out = io.StringIO()
    accounts_demo.seed(stdout=out, rng=random.Random(1))
    CampaignFactory(kind="chuseok", title="추석 판매전", slug="chuseok-demo")
    demo_board.seed(stdout=out, rng=random.Random(2))
    posts = Post.objects.count()
    assert posts >= 12
    assert Comment.objects.filter(status=CommentStatus.HIDDEN).count() == 1
    for post in Post.objects.all():
        assert post.comment_count == visible_count(post)
        assert post.published_at <= timezone.now()
    assert Post.objects.filter(kind=PostKind.WINNERS).count() >= 3
    today = timezone.localdate()
    days = demo_board._dates(today)
    for spec in demo_board.POSTS:  # every winners' post comes after its event, and none is in the future
        assert days[spec.key] <= today
        if spec.after:
            assert days[spec.after] < days[spec.key]
    assert Post.objects.filter(campaign__slug="chuseok-demo").exists()
    assert Subscription.objects.filter(unsubscribed_at__isnull=True).count() == 3
    comments = Comment.objects.count()
    demo_board.seed(stdout=out, rng=random.Random(3))
    assert Post.objects.count() == posts and Comment.objects.count() == comments
    assert "공지·이벤트" in out.getvalue()
    assert client.get(BOARD).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_comments_hits_and_moderation_keep_the_limits_and_counts():
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks under real concurrency)")
    from django.db import connections

    post = make_post(1)
    spammer = UserFactory()
    others = [UserFactory() for _ in range(8)]
    results, barrier = [], threading.Barrier(18)

    def run(fn):
        try:
            barrier.wait()
            fn()
            results.append("ok")
        except board.CommentRefused as exc:
            results.append(exc.message)
        finally:
            connections.close_all()

    jobs = [lambda i=i: board.comment_create(post_id=post.pk, user=spammer, body=f"동시 댓글 {i}") for i in range(6)]
    jobs += [lambda u=u: board.comment_create(post_id=post.pk, user=u, body="한 번씩") for u in others]
    jobs += [lambda: board.post_hit(post_id=post.pk) for _ in range(4)]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Comment.objects.filter(user=spammer).count() == 3  # never more than the minute's limit
    assert sum("잠시 후 다시 작성해 주세요" in r for r in results) == 3
    post.refresh_from_db()
    assert post.hits == 4
    assert post.comment_count == visible_count(post) == 11

    # hiding the same comments from two operators at once changes the count once each
    operators = [UserFactory(is_staff=True) for _ in range(2)]
    targets = list(Comment.objects.filter(post=post).values_list("pk", flat=True)[:4])
    barrier = threading.Barrier(8)
    threads = [threading.Thread(target=run, args=(
        lambda pk=pk, op=op: board.comment_moderate(comment_id=pk, actor=op, action="hide"),)) for pk in targets
        for op in operators]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    post.refresh_from_db()
    assert post.comment_count == visible_count(post) == 7
