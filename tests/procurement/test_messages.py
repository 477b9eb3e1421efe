"""The 1:1 thread of a vendor quote: who may post, attachments, read state, notices, downloads."""
import pytest
from django.urls import reverse

from accounts.models import Notification
from procurement.exceptions import NotAllowed, ProcurementError
from procurement.models import QuoteMessage
from procurement.services.quotes import quote_message_post, quote_messages_mark_read
from procurement.tasks import quote_message_notify_task
from tests.factories import OperatorFactory, VendorFactory, image_bytes, pdf_bytes, pdf_upload, upload

from .quotes_helpers import buyer_of, eligible_product, request_for, vendor_owner

pytestmark = pytest.mark.django_db

Side = QuoteMessage.Side


@pytest.fixture
def thread():
    """A quote between a buyer (and a colleague) of one agency and one vendor (owner and staff)."""
    product = eligible_product(name="천연 비누 세트")
    vendor = product.vendor
    buyer = buyer_of()
    colleague = buyer_of(buyer.agency_memberships.get().agency)
    owner = vendor_owner(vendor)
    request = request_for(buyer, buyer.agency_memberships.get().agency, [(product.variants.get(), 10)])
    quote = request.quotes.get()
    return {"quote": quote, "buyer": buyer, "colleague": colleague, "owner": owner,
            "outsider_agency": buyer_of(), "outsider_vendor": vendor_owner(VendorFactory())}


def test_agency_message_reaches_the_vendor_once(thread, mailoutbox, django_capture_on_commit_callbacks):
    quote = thread["quote"]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="샘플을 받아볼 수 있을까요?")
    assert message.side == Side.AGENCY and message.sender == thread["buyer"]
    assert [m.to for m in mailoutbox] == [[thread["owner"].email]]
    assert "샘플을 받아볼 수 있을까요?" in mailoutbox[0].body
    assert quote_message_notify_task(message_id=message.pk) == 0  # a retried task
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(user=thread["owner"], key__startswith=f"quote-message:{message.pk}").count() == 1


def test_vendor_message_reaches_the_agency_members(thread, mailoutbox, django_capture_on_commit_callbacks):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        message = quote_message_post(quote_id=thread["quote"].pk, actor=thread["owner"], body="네, 보내 드리겠습니다.")
    assert message.side == Side.VENDOR
    assert sorted(m.to[0] for m in mailoutbox) == sorted([thread["buyer"].email, thread["colleague"].email])


@pytest.mark.parametrize("who", ["outsider_agency", "outsider_vendor"])
def test_outsiders_cannot_post(thread, who):
    with pytest.raises(NotAllowed):
        quote_message_post(quote_id=thread["quote"].pk, actor=thread[who], body="안녕하세요")
    with pytest.raises(NotAllowed):
        quote_message_post(quote_id=thread["quote"].pk, actor=OperatorFactory(), body="운영자입니다")
    assert not QuoteMessage.objects.exists()


def test_body_required_and_attachment_checked(thread):
    quote = thread["quote"]
    with pytest.raises(ProcurementError, match="내용"):
        quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="   ")
    with pytest.raises(ProcurementError, match="PDF"):
        quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="첨부", attachment=upload("a.pdf", b"<html>"))
    message = quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="사양서 첨부합니다",
                                 attachment=pdf_upload("사양서.pdf"))
    assert message.attachment_name == "사양서.pdf"
    with message.attachment.open("rb") as fh:
        assert fh.read() == pdf_bytes()


def test_read_state_follows_the_other_side(thread, client):
    quote = thread["quote"]
    first = quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="질문 1")
    quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="질문 2")
    reply = quote_message_post(quote_id=quote.pk, actor=thread["owner"], body="답변")
    # The sender's own side reading changes nothing on its own messages.
    assert quote_messages_mark_read(quote_id=quote.pk, user=thread["colleague"]) == 1
    reply.refresh_from_db()
    first.refresh_from_db()
    assert reply.read_at is not None and first.read_at is None
    assert quote_messages_mark_read(quote_id=quote.pk, user=OperatorFactory()) == 0
    # The vendor opens the quote page: the agency's two messages are read.
    client.force_login(thread["owner"])
    page = client.get(quote.get_absolute_url()).content.decode()
    assert "질문 2" in page
    assert QuoteMessage.objects.filter(side=Side.AGENCY, read_at__isnull=True).count() == 0


def test_unread_counts_in_both_lists(thread, client):
    quote = thread["quote"]
    quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="하나")
    quote_message_post(quote_id=quote.pk, actor=thread["buyer"], body="둘")
    quote_message_post(quote_id=quote.pk, actor=thread["owner"], body="셋")
    client.force_login(thread["owner"])
    assert "새 메시지 2" in client.get(reverse("procurement:vendor_quote_list")).content.decode()
    client.force_login(thread["buyer"])
    assert "새 메시지 1" in client.get(reverse("procurement:request_list")).content.decode()
    client.get(quote.get_absolute_url())
    assert "새 메시지" not in client.get(reverse("procurement:request_list")).content.decode()


def test_post_page_keeps_text_on_error_and_posts(thread, client, django_capture_on_commit_callbacks):
    quote = thread["quote"]
    url = reverse("procurement:quote_message_post", args=[quote.number])
    client.force_login(thread["owner"])
    response = client.post(url, {"body": "첨부를 봐 주세요", "attachment": upload("x.png", b"GIF89a not png")})
    assert response.status_code == 200
    page = response.content.decode()
    assert "파일만 올릴 수 있습니다" in page and "첨부를 봐 주세요" in page
    response = client.post(url, {"body": ""})
    assert "메시지 내용을 입력해 주세요" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"body": "견적 관련 사진입니다",
                                     "attachment": upload("사진.png", image_bytes("PNG"), "image/png")})
    assert response.status_code == 302 and response["Location"].endswith("#messages")
    message = QuoteMessage.objects.get()
    assert (message.side, message.attachment_name) == (Side.VENDOR, "사진.png")


def test_attachment_download_access(thread, client):
    message = quote_message_post(quote_id=thread["quote"].pk, actor=thread["buyer"], body="파일",
                                 attachment=pdf_upload("견적조건.pdf"))
    url = reverse("procurement:message_attachment", args=[message.pk])
    for who in ("buyer", "colleague", "owner"):
        client.force_login(thread[who])
        response = client.get(url)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Cache-Control"] == "private, no-store"
    client.force_login(OperatorFactory())
    assert client.get(url).status_code == 200
    for who in ("outsider_agency", "outsider_vendor"):
        client.force_login(thread[who])
        assert client.get(url).status_code == 404, who
    client.logout()
    assert client.get(url).status_code == 302
    bare = quote_message_post(quote_id=thread["quote"].pk, actor=thread["buyer"], body="파일 없음")
    client.force_login(thread["buyer"])
    assert client.get(reverse("procurement:message_attachment", args=[bare.pk])).status_code == 404


def test_a_buyer_browsing_in_english_still_notifies_the_vendor_in_korean(thread, client, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    quote = thread["quote"]
    mailoutbox.clear()
    client.force_login(thread["buyer"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("procurement:quote_message_post", args=[quote.number]), {"body": "Hello"})
    assert response.status_code == 302
    notice = Notification.objects.get(user=thread["owner"], key__startswith="quote-message:")
    assert notice.title.endswith(f"의 새 메시지 ({quote.number})")
    assert mailoutbox[0].subject.startswith("[따숨몰]") and "새 메시지" in mailoutbox[0].subject
    # The buyer's own page stays in English after the task ran.
    assert '<html lang="en">' in client.get(quote.get_absolute_url()).content.decode()
