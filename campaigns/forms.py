"""Forms of campaigns: the operator's campaign and item forms, a vendor's application, a reason."""
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.models import Product, ProductVariant
from ddasum.money import won
from ddasum.uploads import image_field_clean

from .models import Campaign, CampaignItem, CampaignSection
from .services.campaigns import ApplicationRefused, ItemTerms, item_terms_check

# Paths under /campaigns/ that are pages, not campaigns.
RESERVED_SLUGS = frozenset({"archive"})


def open_campaigns(now=None):
    """Published campaigns that take applications and have not ended, soonest first."""
    now = now or timezone.now()
    return Campaign.objects.published().filter(accepts_applications=True, ends_at__gt=now).order_by("starts_at", "pk")


def _refusal_to_form(form, exc: ApplicationRefused) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


class CampaignAdminForm(forms.ModelForm):
    """Banners are public: checked by content and re-encoded like every upload."""

    class Meta:
        model = Campaign
        fields = ("title", "slug", "kind", "starts_at", "ends_at", "is_published", "home_order",
                  "accepts_applications", "intro", "theme_color", "banner_desktop", "banner_mobile")

    def clean_banner_desktop(self):
        return image_field_clean(self.cleaned_data.get("banner_desktop"))

    def clean_banner_mobile(self):
        return image_field_clean(self.cleaned_data.get("banner_mobile"))

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(_("'%(slug)s'은(는) 쓸 수 없는 주소 이름입니다.") % {"slug": slug})
        return slug


class CampaignItemInlineForm(forms.ModelForm):
    """An item the operator adds or edits on the campaign page: the same rules as an application."""

    class Meta:
        model = CampaignItem
        fields = ("product", "variant", "section", "campaign_price", "percent_off", "stock_cap",
                  "per_customer_limit", "sort_order")

    def clean(self):
        data = super().clean()
        if self.errors or not self.has_changed() or data.get("DELETE"):
            return data
        # On the item's own page product and option are fixed (read-only): take the saved ones.
        instance = self.instance
        product = data.get("product") if "product" in self.fields else (instance.product if instance.product_id else None)
        variant = data.get("variant") if "variant" in self.fields else instance.variant
        campaign = Campaign.objects.filter(pk=instance.campaign_id).first()
        if product is None or campaign is None:
            return data
        terms = ItemTerms(data.get("campaign_price"), data.get("percent_off"), data.get("stock_cap"),
                          data.get("per_customer_limit"))
        try:
            item_terms_check(campaign=campaign, product=product, variant=variant, terms=terms,
                             section=data.get("section"), exclude_item_id=self.instance.pk, by_operator=True)
        except ApplicationRefused as exc:
            _refusal_to_form(self, exc)
        return data


class _ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({won(obj.price)}~)"


class _VariantChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.product.name} · {obj.name} ({won(obj.price)})"


class _CampaignChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        start, end = timezone.localtime(obj.starts_at), timezone.localtime(obj.ends_at)
        return f"{obj.title} ({start:%Y.%m.%d} ~ {end:%Y.%m.%d})"


class _SectionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.campaign.title} · {obj.title}"


class ApplicationForm(forms.Form):
    """A vendor's application to a campaign: one of its products on sale, or one option of it."""

    campaign = _CampaignChoice(label=_("기획전"), queryset=Campaign.objects.none())
    product = _ProductChoice(label=_("상품"), queryset=Product.objects.none())
    variant = _VariantChoice(label=_("옵션"), queryset=ProductVariant.objects.none(), required=False,
                             help_text=_("비워 두면 상품의 모든 옵션에 적용됩니다."))
    section = _SectionChoice(label=_("구역"), queryset=CampaignSection.objects.none(), required=False,
                             help_text=_("원하는 구역이 있으면 고르세요. 운영자가 바꿀 수 있습니다."))
    campaign_price = forms.IntegerField(label=_("기획전 가격(원)"), required=False, min_value=1,
                                        help_text=_("기획전 가격과 할인율 중 하나만 입력합니다."))
    percent_off = forms.IntegerField(label=_("할인율(%)"), required=False, min_value=1, max_value=90)
    stock_cap = forms.IntegerField(label=_("기획전 한정 수량"), required=False, min_value=1,
                                   help_text=_("비워 두면 재고만큼 판매합니다."))
    per_customer_limit = forms.IntegerField(label=_("1인 구매 한도"), required=False, min_value=1)

    def __init__(self, *args, vendor_ids, **kwargs):
        super().__init__(*args, **kwargs)
        campaigns = open_campaigns()
        products = Product.objects.on_sale().filter(vendor_id__in=vendor_ids).order_by("name", "pk")
        self.fields["campaign"].queryset = campaigns
        self.fields["product"].queryset = products
        self.fields["variant"].queryset = (
            ProductVariant.objects.filter(product__in=products, is_active=True).select_related("product")
            .order_by("product__name", "product_id", "position", "pk")
        )
        self.fields["section"].queryset = (
            CampaignSection.objects.filter(campaign__in=campaigns).select_related("campaign")
            .order_by("campaign__starts_at", "campaign_id", "sort_order", "pk")
        )

    def clean(self):
        data = super().clean()
        campaign, product, variant = data.get("campaign"), data.get("product"), data.get("variant")
        if self.errors or campaign is None or product is None:
            return data
        if variant is not None and variant.product_id != product.pk:
            self.add_error("variant", _("고른 상품의 옵션이 아닙니다."))
            return data
        terms = ItemTerms(data.get("campaign_price"), data.get("percent_off"), data.get("stock_cap"),
                          data.get("per_customer_limit"))
        try:
            item_terms_check(campaign=campaign, product=product, variant=variant, terms=terms,
                             section=data.get("section"))
        except ApplicationRefused as exc:
            _refusal_to_form(self, exc)
        return data
