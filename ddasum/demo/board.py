"""Demo notices and events for `seed_demo`, in the style of the mall's own board (2016–2018).

Posts are dated in the year before today (an event and its winners' announcement keep their
order), linked to the demo campaign of the same season when there is one, with comments by the
demo consumers, one comment hidden by the operator, and a few consents to campaign mail. A post
that exists already (same title) is left as it is, so a second run adds nothing.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from campaigns.models import Campaign, CampaignKind, Comment, CommentStatus, Post, PostKind, Subscription
from campaigns.services.board import post_comment_count_recompute
from campaigns.services.subscriptions import CONSENT_TEXT

from .accounts import CONSUMERS, OPERATOR_EMAIL


@dataclass
class PostSpec:
    kind: str
    title: str  # "{year}" is replaced by the year of the post's date
    body: str
    month: int
    day: int
    hits: tuple[int, int]
    author_name: str = "따숨몰"
    campaign_kind: str = ""
    pinned: bool = False
    allow_comments: bool = True
    event_days: int | None = None  # the event closes this many days after the post
    comments: list[str] = field(default_factory=list)
    spam: str = ""  # one comment the operator hid
    after: str = ""  # key of the post this one follows (a winners' announcement)
    key: str = ""
    days_ago: int | None = None  # a post pinned to "recently" rather than a season


POSTS = [
    PostSpec(
        PostKind.NOTICE, "개인정보 처리방침 변경 안내",
        "따숨몰 개인정보 처리방침이 아래와 같이 바뀝니다.\n\n"
        "- 기획전 소식 메일 수신 동의(선택) 항목을 새로 두었습니다.\n"
        "- 수신 동의는 모든 메일 아래의 **수신 거부** 링크로 언제든 철회할 수 있습니다.\n"
        "- 주문 정보의 보관 기간(전자상거래법 5년)을 명확히 적었습니다.\n\n"
        "시행일 이후에도 궁금한 점은 고객센터로 문의해 주세요.",
        0, 0, (380, 900), pinned=True, allow_comments=False, days_ago=40, key="privacy",
    ),
    PostSpec(
        PostKind.NOTICE, "설 연휴 택배 배송 마감 안내",
        "설 연휴 동안 택배사 물량이 많아 배송이 늦어질 수 있습니다.\n\n"
        "- **연휴 전 마지막 발송**: 연휴 시작 사흘 전 오후 2시 주문까지\n"
        "- 신선식품(축·수산물, 과일)은 연휴 기간에 발송하지 않습니다.\n\n"
        "선물하실 상품은 조금 일찍 주문해 주세요.",
        1, 8, (900, 2400), pinned=True, allow_comments=False, campaign_kind=CampaignKind.NEW_YEAR, key="seol-ship",
    ),
    PostSpec(
        PostKind.EVENT, "{year} 따숨몰 설맞이 명절상품전",
        "충남 사회적경제기업이 정성껏 준비한 설 선물세트를 만나 보세요.\n\n"
        "- 한과·조청 선물세트, 유기농 쌀, 홍성 한우, 서천 김 세트\n"
        "- 기획전 기간 동안 기획전 가격으로 드립니다.\n\n"
        "기업·기관 단체 주문은 견적 요청을 이용해 주세요.",
        1, 6, (3800, 5098), campaign_kind=CampaignKind.NEW_YEAR, event_days=20,
        comments=["작년에 산 한과 세트 부모님이 정말 좋아하셨어요. 올해도 주문합니다!",
                  "회사 선물로 서천 김 세트 30개 주문하려는데 견적 요청하면 되나요?",
                  "배송 마감일 꼭 확인하세요~"],
        key="seol",
    ),
    PostSpec(
        PostKind.EVENT, "{year} 따숨몰 서포터즈 모집",
        "따숨몰과 충남 사회적경제기업을 알릴 서포터즈를 모십니다.\n\n"
        "- **모집 인원**: 20명\n- **활동**: 상품 체험 후기, 기업 탐방, SNS 홍보\n"
        "- **혜택**: 매달 체험 상품, 활동비, 우수 서포터즈 시상\n\n"
        "댓글로 지원 동기를 짧게 남겨 주시고 신청서를 메일로 보내 주세요.",
        3, 10, (2600, 3801), event_days=14,
        comments=["대학생인데 지역 사회적기업에 관심이 많아 지원합니다!",
                  "블로그에 농산물 후기를 꾸준히 쓰고 있어요. 함께하고 싶습니다.",
                  "작년 서포터즈였는데 정말 보람 있었어요. 강력 추천합니다.",
                  "아산 사는 직장인도 주말 활동 가능할까요?"],
        spam="★부업★ 하루 30분 고수익 보장 010-0000-0000 카톡 문의",
        key="supporters",
    ),
    PostSpec(
        PostKind.WINNERS, "{year} 따숨몰 서포터즈 당첨자 발표",
        "서포터즈에 지원해 주신 모든 분께 감사드립니다. 선정되신 분들께는 개별 연락을 드렸습니다.\n\n"
        "| 번호 | 이름 | 지역 |\n|---|---|---|\n| 1 | 김*지 | 천안 |\n| 2 | 이*준 | 아산 |\n| 3 | 박*영 | 홍성 |\n\n"
        "발대식은 다음 달 첫째 주 토요일에 있습니다.",
        0, 0, (480, 660), comments=["감사합니다! 열심히 활동하겠습니다.", "다음에도 꼭 지원할게요."],
        after="supporters", key="supporters-winners",
    ),
    PostSpec(
        PostKind.EVENT, "{year} 따숨몰 5월 가정의 달 특별할인 이벤트",
        "가정의 달을 맞아 부모님, 아이들과 함께 나눌 상품을 특별한 가격에 드립니다.\n\n"
        "- 건강 선물(홍삼, 도라지청, 아로니아즙)\n- 교육·체험 상품(목공 체험, 도자기 공방)",
        4, 19, (2100, 3811), campaign_kind=CampaignKind.FAMILY_MONTH, event_days=25,
        comments=["어버이날 선물로 도라지청 주문했어요.", "체험 상품도 할인되나요?"], key="family",
    ),
    PostSpec(
        PostKind.EVENT, "눈에 좋은 아로니아즙 20% 가격할인",
        "건강식품 기획전 기간 동안 아로니아즙을 **20%** 할인해 드립니다. 충남 청양에서 기른 아로니아로 만들었습니다.",
        6, 3, (25, 120), author_name="따숨지기", campaign_kind=CampaignKind.HEALTH, event_days=21, key="aronia",
    ),
    PostSpec(
        PostKind.EVENT, "다이어트에 딱 좋은 현미콩가래떡 가격할인",
        "현미와 콩으로 만든 가래떡을 할인합니다. 냉동 보관 후 구워 드시면 좋아요.",
        6, 3, (20, 90), author_name="따숨지기", campaign_kind=CampaignKind.HEALTH, event_days=21, key="ricecake",
    ),
    PostSpec(
        PostKind.EVENT, "{year} 추석 판매전 퀴즈 이벤트 — 퀴즈 풀고 선물세트 받자",
        "추석 판매전을 맞아 퀴즈 이벤트를 엽니다.\n\n"
        "**문제**: 따숨몰에 입점한 기업 유형이 아닌 것은?\n\n"
        "1. 사회적기업\n2. 마을기업\n3. 대기업\n4. 자활기업\n\n"
        "댓글로 정답을 남겨 주시면 추첨으로 열 분께 선물세트를 드립니다.",
        8, 1, (600, 1085), author_name="따숨지기", campaign_kind=CampaignKind.CHUSEOK, event_days=14,
        comments=["정답은 3번 대기업입니다!", "3번이요~ 추석 선물세트 받고 싶어요.", "정답 3번! 작년에도 참여했어요.",
                  "3번 대기업. 좋은 이벤트 감사합니다.", "3번입니다. 한과 세트 당첨되면 좋겠네요."],
        key="chuseok-quiz",
    ),
    PostSpec(
        PostKind.WINNERS, "추석 판매전 퀴즈 이벤트 당첨자 발표",
        "퀴즈 이벤트에 참여해 주셔서 감사합니다. 정답은 **3번 대기업**이었습니다.\n\n"
        "당첨되신 열 분께는 문자로 안내드렸으며 선물세트는 추석 전에 보내 드립니다.",
        0, 0, (120, 166), author_name="따숨지기", comments=["와 당첨됐어요! 감사합니다."],
        after="chuseok-quiz", key="chuseok-winners",
    ),
    PostSpec(
        PostKind.NOTICE, "김장철 절임배추 예약 주문 안내",
        "올해도 충남 농가의 절임배추를 예약 주문으로 받습니다.\n\n"
        "- **예약 기간**: 10월 말부터 11월 중순까지\n- **배송**: 원하시는 날짜에 맞춰 산지에서 바로 보냅니다(토·일 도착 불가)\n"
        "- 20kg 한 상자는 김장 김치 약 15포기 분량입니다.",
        10, 25, (1500, 2700), campaign_kind=CampaignKind.KIMCHI,
        comments=["도착 날짜를 지정할 수 있어서 편해요.", "작년 절임배추 간이 딱 맞았어요. 올해도 예약했습니다."],
        key="kimchi",
    ),
    PostSpec(
        PostKind.EVENT, "{year} 따숨몰 크리스마스 이벤트",
        "크리스마스 기획전 상품을 구매하시고 후기를 남겨 주시면 추첨으로 따숨몰 적립 선물을 드립니다.\n\n"
        "- 수제 쿠키 선물세트, 천연 비누 세트, 목공 트리 만들기 체험",
        12, 10, (1800, 2645), campaign_kind=CampaignKind.CHRISTMAS, event_days=14,
        comments=["아이랑 목공 트리 만들기 체험 신청했어요!", "쿠키 세트 포장이 예뻐서 선물하기 좋아요.",
                  "천연 비누 향이 정말 좋네요."],
        key="christmas",
    ),
    PostSpec(
        PostKind.WINNERS, "크리스마스 이벤트 당첨자 발표",
        "크리스마스 이벤트 당첨자를 발표합니다. 당첨되신 분들께는 개별 연락드렸습니다. 모두 따뜻한 연말 보내세요!",
        0, 0, (200, 291), author_name="따숨지기", after="christmas", key="christmas-winners",
    ),
    PostSpec(
        PostKind.EVENT, "따숨몰 구매 후기 이벤트",
        "따숨몰에서 산 상품의 후기를 댓글로 남겨 주세요. 매달 다섯 분을 뽑아 충남 사회적기업 상품을 보내 드립니다.",
        0, 0, (90, 240), event_days=15, days_ago=5,
        comments=["홍성 유기농 쌀 밥맛이 정말 좋아요. 재구매 의사 있습니다!", "배송이 빨랐고 포장도 꼼꼼했어요."],
        key="review",
    ),
]


def _latest_on_or_before(month: int, day: int, limit: date) -> date:
    for year in (limit.year, limit.year - 1):
        try:
            moment = date(year, month, day)
        except ValueError:  # 29 February
            moment = date(year, month, 28)
        if moment <= limit:
            return moment
    return date(limit.year - 1, month, day)


WINNERS_AFTER = timedelta(days=20)


def _dates(today: date) -> dict[str, date]:
    """The day of each post: seasonal ones on their latest occurrence, winners 20 days after their event."""
    followers = {spec.after for spec in POSTS if spec.after}
    days: dict[str, date] = {}
    for spec in POSTS:
        if spec.days_ago is not None:
            days[spec.key] = today - timedelta(days=spec.days_ago)
        elif spec.month:
            # An event with a winners' post must be old enough for its winners to be out already.
            limit = today - WINNERS_AFTER if spec.key in followers else today
            days[spec.key] = _latest_on_or_before(spec.month, spec.day, limit)
    for spec in POSTS:
        if spec.after:
            days[spec.key] = days[spec.after] + WINNERS_AFTER
    return days


def _campaign_near(kind: str, day: date, campaigns: list[Campaign]) -> Campaign | None:
    if not kind:
        return None
    same = [c for c in campaigns if c.kind == kind]
    if not same:
        return None
    return min(same, key=lambda c: abs((timezone.localdate(c.starts_at) - day).days))


def _at(day: date, rng) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 10, 20, 30, 40, 50)))))


@transaction.atomic
def seed(*, stdout, rng) -> None:
    """A dozen notices and events with comments, one hidden, and a few campaign-mail consents."""
    now = timezone.now()
    today = timezone.localdate(now)
    operator = User.objects.filter(email=OPERATOR_EMAIL).first()
    consumers = list(User.objects.filter(email__in=[email for email, _name in CONSUMERS]).order_by("email"))
    campaigns = list(Campaign.objects.published())
    existing = set(Post.objects.values_list("title", flat=True))
    days = _dates(today)
    made = comments_made = 0
    for spec in POSTS:
        day = days[spec.key]
        title = spec.title.replace("{year}", str(day.year))
        if title in existing:
            continue
        published_at = min(_at(day, rng), now - timedelta(minutes=5))
        post = Post.objects.create(
            kind=spec.kind, title=title, body=spec.body, author=operator, author_name=spec.author_name,
            campaign=_campaign_near(spec.campaign_kind, day, campaigns), is_pinned=spec.pinned,
            allow_comments=spec.allow_comments, published_at=published_at, created_at=published_at,
            event_ends_on=day + timedelta(days=spec.event_days) if spec.event_days else None,
            hits=rng.randint(*spec.hits),
        )
        made += 1
        if consumers:
            texts = [(text, CommentStatus.VISIBLE) for text in spec.comments]
            if spec.spam:
                texts.insert(len(texts) // 2, (spec.spam, CommentStatus.HIDDEN))
            moment = published_at
            for text, status in texts:
                moment = min(moment + timedelta(hours=rng.randint(1, 30), minutes=rng.randint(0, 59)), now)
                hidden = status == CommentStatus.HIDDEN
                Comment.objects.create(
                    post=post, user=rng.choice(consumers), body=text, status=status, created_at=moment,
                    moderated_by=operator if hidden else None, moderated_at=moment + timedelta(hours=2) if hidden else None,
                )
                comments_made += 1
        post_comment_count_recompute(post_id=post.pk)
    subscribed = _subscriptions(consumers, now, rng)
    stdout.write(f"  공지·이벤트 {Post.objects.count()}건 (새로 {made}건, 댓글 {comments_made}개, 숨긴 댓글 포함), "
                 f"기획전 소식 수신 동의 {subscribed}명")


def _subscriptions(consumers: list[User], now: datetime, rng) -> int:
    """consumer1–3 consented; consumer4 consented and then unsubscribed."""
    text = str(CONSENT_TEXT)
    for i, user in enumerate(consumers[:4]):
        consented = now - timedelta(days=rng.randint(20, 300))
        Subscription.objects.get_or_create(email=user.email.lower(), defaults={
            "user": user, "consented_at": consented, "consent_text": text,
            "unsubscribed_at": consented + timedelta(days=10) if i == 3 else None,
        })
    return Subscription.objects.filter(unsubscribed_at__isnull=True).count()
