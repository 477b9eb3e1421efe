"""Every write about products: status, derived fields, images, review (stock: catalog.stock)."""
import io
import logging
import os

import markdown
import nh3
from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from ddasum import jobs, page_cache
from ddasum.transitions import StateMachine
from ddasum.uploads import JPEG, PNG, WEBP, CleanUpload, upload_clean
from vendors.selectors import user_is_vendor_member
from vendors.services import vendor_notify

from .exceptions import InvalidTransition, NotAllowed, ProductIncomplete
from .models import Product, ProductImage, ProductStatus, ProductStatusEvent, ProductVariant, variant_available_q
from .search import grams_text

logger = logging.getLogger(__name__)
P = ProductStatus

ALLOWED_TRANSITIONS = {
    P.DRAFT: frozenset({P.PENDING, P.ON_SALE}),
    P.PENDING: frozenset({P.ON_SALE, P.REJECTED, P.DRAFT}),
    P.ON_SALE: frozenset({P.HIDDEN}),
    P.HIDDEN: frozenset({P.ON_SALE, P.PENDING}),
    P.REJECTED: frozenset({P.PENDING, P.ON_SALE, P.DRAFT}),
}
PRODUCT_MACHINE = StateMachine(
    transitions=ALLOWED_TRANSITIONS, choices=ProductStatus, error=InvalidTransition,
    refusal=gettext_lazy("'%(from)s' 상태의 상품은 '%(to)s'(으)로 바꿀 수 없습니다."),
    stamps={P.ON_SALE: "published_at"}, keep_first=("published_at",),
    event_model=ProductStatusEvent, event_fk="product",
)
OPERATOR, MEMBER = "operator", "member"
# action: (who, reason required)
ACTIONS = {
    "submit": (MEMBER, False),
    "withdraw": (MEMBER, False),
    "approve": (OPERATOR, False),
    "reject": (OPERATOR, True),
    "hide": (MEMBER, False),
    "show": (MEMBER, False),
}

THUMB_WIDTHS = (240, 480, 960)
ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "h3", "h4", "img", "blockquote", "hr"}
ALLOWED_ATTRIBUTES = {"img": {"src", "alt", "width", "height"}}


def origin_missing(category, origin: str) -> bool:
    """The one origin rule: food (원산지 표시 대상) must name where it comes from."""
    return bool(category and category.requires_origin and not (origin or "").strip())


def origin_missing_message():
    return _("식품 분류의 상품은 원산지를 입력해 주세요. 예: 국내산(충남 홍성)")


def review_needed(product: Product) -> bool:
    """Whether a submitted product waits for the operator (CATALOG_REVIEW_POLICY)."""
    policy = settings.CATALOG_REVIEW_POLICY
    if policy == "all":
        return True
    if policy == "none":
        return False
    # "first": until the vendor has had one product approved.
    return not Product.objects.filter(vendor_id=product.vendor_id, published_at__isnull=False).exclude(pk=product.pk).exists()


def _may(actor, product: Product, who: str) -> bool:
    if actor is None:
        return False
    if actor.is_active and actor.is_staff:
        return True
    return who == MEMBER and user_is_vendor_member(actor, product.vendor_id)


def _transition(product: Product, to: str, *, actor, reason: str = "") -> ProductStatusEvent:
    PRODUCT_MACHINE.check(product, to)
    product.status_reason = reason if to in (P.REJECTED, P.HIDDEN) else ""
    return PRODUCT_MACHINE.move(product, to, actor=actor, reason=reason, fields=("status_reason",))


def product_submit_check(product: Product) -> None:
    problems = []
    if not product.variants.filter(is_active=True).exists():
        problems.append(_("판매할 옵션이 하나도 없습니다."))
    if not product.images.exists():
        problems.append(_("상품 이미지가 없습니다."))
    if origin_missing(product.category, product.origin):
        problems.append(_("식품은 원산지를 적어야 합니다."))
    if problems:
        raise ProductIncomplete(_("검토를 요청할 수 없습니다: %(items)s") % {"items": " ".join(problems)})


@transaction.atomic
def product_action(*, product_id: int, action: str, actor, reason: str = "") -> Product:
    """Take a named action: submit, withdraw, approve, reject, hide, show."""
    who, reason_required = ACTIONS[action]
    product = Product.objects.select_for_update().select_related("category").get(pk=product_id)
    if not _may(actor, product, who):
        raise NotAllowed(_("이 상품을 바꿀 권한이 없습니다."))
    reason = (reason or "").strip()
    if reason_required and not reason:
        raise ProductIncomplete(_("사유를 입력해 주세요."))
    if action == "submit":
        product_submit_check(product)
        target = P.PENDING if review_needed(product) else P.ON_SALE
    elif action == "withdraw":
        target = P.DRAFT
    elif action == "approve":
        product_submit_check(product)
        target = P.ON_SALE
    elif action == "reject":
        target = P.REJECTED
    elif action == "hide":
        target = P.HIDDEN
    else:  # show: back on sale if it was approved once, else to review
        target = P.ON_SALE if product.published_at else P.PENDING
    if product.status == P.PENDING and target == P.ON_SALE and action == "submit":
        raise InvalidTransition(_("이미 검토를 기다리고 있습니다."))
    event = _transition(product, target, actor=actor, reason=reason)
    if action in ("approve", "reject"):
        jobs.after_commit("catalog.product_reviewed_notify_task", event_id=event.pk)
    return product


def product_reviewed_notify(*, event_id: int) -> int:
    """Tell the vendor's members the operator approved or rejected its product (once per event)."""
    event = ProductStatusEvent.objects.select_related("product__vendor").get(pk=event_id)
    product = event.product
    if event.to_status == ProductStatus.ON_SALE:
        title = _("상품 판매가 승인되었습니다: %(name)s") % {"name": product.name}
        body = _("이제 따숨몰에서 판매됩니다.")
    else:
        title = _("상품이 반려되었습니다: %(name)s") % {"name": product.name}
        body = _("사유: %(reason)s") % {"reason": event.reason}
    return vendor_notify(
        product.vendor, title=title, body=body, owners_only=False,
        url=reverse("partner:catalog_product_change", args=[product.pk]), key=f"product-event:{event.pk}",
    )


def render_description(source: str) -> str:
    """Markdown-ish text from a vendor to safe HTML: paragraphs, lists, images; no raw HTML."""
    html = markdown.markdown(source or "", extensions=["sane_lists", "nl2br"], output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https"},
                     link_rel=None)


def product_refresh(*, product_id: int) -> Product:
    """Recompute what the product keeps from its variants and texts (price, stock, search)."""
    product = Product.objects.select_related("vendor", "category").get(pk=product_id)
    shown_before = (product.price, product.list_price, product.in_stock, product.description_html, product.slug)
    variants = ProductVariant.objects.filter(product_id=product_id, is_active=True)
    cheapest = variants.order_by("price", "position", "id").first()
    product.price = cheapest.price if cheapest else 0
    product.list_price = cheapest.list_price if cheapest and cheapest.list_price else None
    product.in_stock = variants.filter(variant_available_q()).exists()
    product.search_grams = grams_text(product.name, product.summary, product.vendor.name, product.category.name)
    product.description_html = render_description(product.description)
    if not product.slug:
        product.slug = slugify(product.name, allow_unicode=True)[:140] or "p"
    Product.objects.filter(pk=product.pk).update(
        price=product.price, list_price=product.list_price, in_stock=product.in_stock,
        search_grams=product.search_grams, description_html=product.description_html, slug=product.slug,
    )
    if shown_before != (product.price, product.list_price, product.in_stock, product.description_html, product.slug):
        page_cache.version_bump()  # an UPDATE sends no signal
    return product


def product_stock_refresh(*, product_id: int) -> bool:
    """After a stock change: only whether the product can be bought; True if that flipped.

    A sale or a return changes no price, text or slug, so this is one UPDATE that writes only
    when `in_stock` flips (sold out, or back on sale), instead of product_refresh's reads.
    """
    available = Exists(ProductVariant.objects.filter(variant_available_q(), product_id=OuterRef("pk")))
    flipped = (Product.objects.filter(pk=product_id)
               .filter((Q(in_stock=True) & ~available) | (Q(in_stock=False) & available))
               .update(in_stock=available))
    if flipped:
        page_cache.version_bump()  # an UPDATE sends no signal
    return bool(flipped)


@transaction.atomic
def product_image_add(*, product_id: int, upload, actor=None, alt: str = "", position: int | None = None) -> ProductImage:
    """Check an image by content, re-encode it, store it and queue its thumbnails."""
    product = Product.objects.select_for_update().get(pk=product_id)
    if actor is not None and not _may(actor, product, MEMBER):
        raise NotAllowed(_("이 상품을 바꿀 권한이 없습니다."))
    clean = upload if isinstance(upload, CleanUpload) else upload_clean(upload, allowed=(JPEG, PNG, WEBP))
    if position is None:
        position = product.images.count()
    image = ProductImage(product=product, alt=alt or product.name, position=position)
    image.image.save(clean.content.name, clean.content, save=False)
    image.save()
    jobs.after_commit("catalog.product_image_thumbnails_task", image_id=image.pk)
    return image


def product_image_thumbnails(*, image_id: int) -> dict:
    """Make the WebP thumbnails the templates use; running it again rewrites the same files."""
    image = ProductImage.objects.filter(pk=image_id).first()
    if image is None or not image.image:
        return {}
    base, _ext = os.path.splitext(image.image.name)
    thumbs = {}
    with image.image.open("rb") as fh, Image.open(fh) as original:
        original = ImageOps.exif_transpose(original).convert("RGB")
        for width in THUMB_WIDTHS:
            copy = original.copy()
            copy.thumbnail((width, width * 2))
            out = io.BytesIO()
            copy.save(out, "WEBP", quality=82)
            name = f"{base}_w{width}.webp"
            if default_storage.exists(name):
                default_storage.delete(name)
            thumbs[str(width)] = default_storage.save(name, ContentFile(out.getvalue()))
    ProductImage.objects.filter(pk=image_id).update(thumbs=thumbs)
    page_cache.version_bump()
    return thumbs


# --- product writes (API, import); an option's writes are in catalog.stock -----------------

PRODUCT_FIELDS = frozenset({
    "category", "kind", "name", "summary", "description", "tax_type", "origin", "unit", "specs",
    "procurement_eligible", "min_order_qty", "max_order_qty",
})


def product_edit_check(actor, vendor_id: int) -> None:
    """Raise NotAllowed unless the actor is an active operator or a member of the vendor."""
    if not (actor and actor.is_active and (actor.is_staff or user_is_vendor_member(actor, vendor_id))):
        raise NotAllowed(_("이 상품을 바꿀 권한이 없습니다."))


def product_origin_check(product: Product) -> None:
    """Food must name its origin (원산지) whenever it is saved, not only when submitted."""
    if origin_missing(product.category, product.origin):
        raise DjangoValidationError({"origin": origin_missing_message()})


@transaction.atomic
def product_save(*, actor, data: dict, product_id: int | None = None, vendor_id: int | None = None) -> Product:
    """Create a draft product of a vendor, or change one; its status moves only by product_action."""
    if set(data) - PRODUCT_FIELDS:
        raise ValueError(f"not product fields: {sorted(set(data) - PRODUCT_FIELDS)}")
    if product_id is None:
        product = Product(vendor_id=vendor_id, status=ProductStatus.DRAFT)
    else:
        product = Product.objects.select_for_update().get(pk=product_id)
    product_edit_check(actor, product.vendor_id)
    for field, value in data.items():
        setattr(product, field, value)
    product_origin_check(product)
    product.full_clean()
    product.save()
    return product_refresh(product_id=product.pk)
