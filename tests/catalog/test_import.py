"""Bulk import and export of products as CSV and XLSX, through the partner admin."""
import csv
import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import Notification
from catalog import imports
from catalog.models import Product, ProductStatus, ProductVariant
from tests.factories import ProductFactory, VendorFactory, category, image_bytes, upload

pytestmark = pytest.mark.django_db

HEADER = list(imports.COLUMNS)


def row(pid="", name="해남 절임배추", cat="과일/채소/꾸러미", kind="상품", tax="면세", origin="국내산(전남 해남)",
        unit="1박스", summary="김장용 절임배추", option="10kg", sku="CAB-10", price="30000", list_price="",
        stock="20", track="Y", active="Y"):
    return [pid, name, cat, kind, tax, origin, unit, summary, option, sku, price, list_price, stock, track, active]


def csv_bytes(rows, encoding="utf-8-sig"):
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for r in rows:
        sheet.append([int(v) if isinstance(v, str) and v.isdigit() and i in (0, 10, 11, 12) else v
                      for i, v in enumerate(r)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def preview(client, name, data):
    return client.post(reverse("partner:catalog_product_import"), {"file": upload(name, data)})


def confirm(client, response):
    token = response.context["token"]
    assert token, response.context["plan"].errors
    return client.post(reverse("partner:catalog_product_import_confirm"), {"token": token})


def test_import_page_and_export_links(partner_client, vendor):
    page = partner_client.get(reverse("partner:catalog_product_import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "상품ID, 상품명, 분류" in html and f"vendor={vendor.pk}&amp;format=xlsx" in html
    assert reverse("partner:catalog_product_import") in partner_client.get(
        reverse("partner:catalog_product_changelist")).content.decode()


def test_good_csv_previews_then_creates_drafts(partner_client, vendor):
    data = csv_bytes([
        row(option="10kg", sku="CAB-10", price="30,000원", stock="20"),
        row(option="20kg", sku="CAB-20", price="55000", list_price="60000", stock="3"),
        row(name="천연 수세미", cat="household", tax="과세", origin="", unit="3개", summary="", option="", sku="SPONGE",
            price="9000", stock="100"),
    ])
    response = preview(partner_client, "상품.csv", data)
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.ok and plan.counts()["products_created"] == 2 and plan.counts()["variants_created"] == 3
    assert "새로 만듦" in response.content.decode()
    assert not Product.objects.exists()  # the preview saves nothing

    response = confirm(partner_client, response)
    assert response["Location"] == reverse("partner:catalog_product_changelist")
    cabbage = Product.objects.get(name="해남 절임배추")
    assert cabbage.vendor == vendor and cabbage.status == ProductStatus.DRAFT and cabbage.tax_type == "exempt"
    assert [(v.name, v.sku, v.price, v.list_price, v.stock) for v in cabbage.variants.all()] == [
        ("10kg", "CAB-10", 30000, None, 20), ("20kg", "CAB-20", 55000, 60000, 3)]
    assert cabbage.price == 30000 and cabbage.in_stock and cabbage.search_grams
    sponge = Product.objects.get(name="천연 수세미")
    assert sponge.variants.get().name == "기본" and sponge.category.slug == "household"
    # The token is used up.
    response = partner_client.post(reverse("partner:catalog_product_import_confirm"),
                                   {"token": "again"}, follow=True)
    assert "미리보기가 만료되었습니다" in response.content.decode()
    assert Product.objects.count() == 2


def test_good_xlsx_updates_by_id_and_sku(partner_client, vendor, owner, django_capture_on_commit_callbacks):
    product = ProductFactory(vendor=vendor, name="홍성 현미", variants=[
        {"name": "5kg", "sku": "RICE-5", "price": 25000, "stock": 10, "low_stock_threshold": 3}])
    data = xlsx_bytes([
        row(pid=str(product.pk), name="홍성 유기농 현미", cat="rice-grains", tax="면세", origin="국내산(충남 홍성)",
            option="5kg", sku="RICE-5", price="26000", stock="2"),
        row(pid=str(product.pk), name="홍성 유기농 현미", cat="rice-grains", tax="면세", origin="국내산(충남 홍성)",
            option="10kg", sku="RICE-10", price="48000", stock="5"),
    ])
    response = preview(partner_client, "products.XLSX", data)
    plan = response.context["plan"]
    assert plan.ok, plan.errors
    assert plan.counts() == {"products_created": 0, "products_updated": 1, "variants_created": 1,
                             "variants_updated": 1, "unchanged": 0}
    html = response.content.decode()
    assert "홍성 현미 → 홍성 유기농 현미" in html and "25,000 → 26,000" in html
    with django_capture_on_commit_callbacks(execute=True):
        confirm(partner_client, response)
    product.refresh_from_db()
    assert product.name == "홍성 유기농 현미" and product.status == ProductStatus.ON_SALE  # status untouched
    assert dict(product.variants.values_list("sku", "price")) == {"RICE-5": 26000, "RICE-10": 48000}
    assert product.price == 26000
    # Stock fell under its threshold through the import: the vendor is told.
    assert Notification.objects.filter(user=owner, title__startswith="재고 부족").exists()


def test_cp949_csv_from_korean_excel(partner_client):
    response = preview(partner_client, "excel.csv", csv_bytes([row()], encoding="cp949"))
    plan = response.context["plan"]
    assert plan.ok and plan.products[0].name == "해남 절임배추"
    confirm(partner_client, response)
    assert Product.objects.get().origin == "국내산(전남 해남)"


def test_bad_rows_are_listed_and_nothing_is_saved(partner_client, vendor):
    product = ProductFactory(vendor=vendor, name="그대로 둘 상품")
    data = csv_bytes([
        row(pid=str(product.pk), name="바뀌면 안 되는 이름", cat="rice-grains", sku=product.variants.get().sku),
        row(name="나쁜 가격", price="삼만원", sku="A"),
        row(name="음수 재고", stock="-3", sku="B"),
        row(name="없는 분류", cat="전자제품", sku="C"),
        row(name="원산지 없음", origin="", sku="D"),
        row(name="이상한 값", track="아마", kind="물건", sku="E"),
        row(name="SKU 없음", sku=""),
        row(pid="abc", sku="F"),
    ])
    response = preview(partner_client, "bad.csv", data)
    plan = response.context["plan"]
    assert response.context["token"] is None
    messages = [str(e) for e in plan.errors]
    assert "3행 판매가: 숫자로 입력해 주세요" in messages
    assert "4행 재고: 0 이상으로 입력해 주세요" in messages
    assert "5행 분류: '전자제품' 분류가 없습니다" in messages
    assert "6행 원산지: 식품은 원산지를 입력해 주세요" in messages
    assert "7행 종류: 상품 / 서비스 중 하나로 입력해 주세요" in messages
    assert "7행 재고관리: Y 또는 N으로 입력해 주세요" in messages
    assert "8행 SKU: 입력해 주세요" in messages
    assert "9행 상품ID: 숫자로 입력해 주세요" in messages
    html = response.content.decode()
    assert "아무것도 저장하지 않았습니다" in html and "3행 판매가" in html
    # Even the good first row was not applied, by the preview or by the service.
    with pytest.raises(imports.ImportRefused):
        imports.import_apply(vendor_id=vendor.pk, fmt="csv", data=data, actor=product.vendor.memberships.get().user)
    product.refresh_from_db()
    assert product.name == "그대로 둘 상품" and Product.objects.count() == 1


def test_rows_of_one_product_must_agree(partner_client):
    data = csv_bytes([row(sku="A"), row(sku="B", tax="과세"), row(sku="A", option="중복")])
    messages = [str(e) for e in preview(partner_client, "x.csv", data).context["plan"].errors]
    assert "3행 과세구분: 같은 상품의 2행과 값이 다릅니다" in messages
    assert "4행 SKU: 같은 상품의 2행과 SKU가 같습니다" in messages


@pytest.mark.parametrize("name, data, message", [
    ("photo.csv", image_bytes("PNG"), "CSV 파일이 아닙니다"),
    ("notes.xlsx", "상품명,판매가\n배추,1000\n".encode(), "XLSX(엑셀) 파일이 아닙니다"),
    ("fake.xlsx", b"PK\x03\x04not really a zip", "XLSX(엑셀) 파일이 아닙니다"),
    ("products.txt", b"a,b\n", "CSV 또는 XLSX(엑셀) 파일만 올릴 수 있습니다"),
    ("old.xls", b"\xd0\xcf\x11\xe0", "Excel 통합 문서(.xlsx)"),
    ("latin.csv", "상품".encode("utf-16"), "CSV 파일"),
    ("empty.csv", b"", "비어"),
    ("blank.csv", b"\n\n", "빈 파일입니다"),
    ("header.csv", "상품명,판매가\n배추,1000\n".encode(), "첫 행에 필요한 열이 없습니다: 상품ID"),
])
def test_wrong_files_are_refused_in_korean(partner_client, name, data, message):
    response = preview(partner_client, name, data)
    assert response.status_code == 200
    assert message in str(response.context["form"].errors["file"])
    assert not Product.objects.exists()


def test_size_and_row_limits(partner_client, settings):
    rows = [row(name=f"상품{i}", sku=f"S{i}") for i in range(imports.MAX_ROWS + 1)]
    response = preview(partner_client, "many.csv", csv_bytes(rows))
    assert "5,000행까지" in str(response.context["form"].errors["file"])
    settings.UPLOAD_MAX_BYTES = 100
    response = preview(partner_client, "big.csv", csv_bytes([row()]))
    assert "파일이 너무 큽니다" in str(response.context["form"].errors["file"])


def test_another_vendors_product_id_is_refused(partner_client, other_vendor, other_owner):
    theirs = ProductFactory(vendor=other_vendor, name="남의 상품")
    sku = theirs.variants.get().sku
    response = preview(partner_client, "x.csv", csv_bytes([row(pid=str(theirs.pk), cat="rice-grains", sku=sku,
                                                               price="1")]))
    assert [str(e) for e in response.context["plan"].errors] == ["2행 상품ID: 다른 기업의 상품입니다"]
    assert response.context["token"] is None
    response = preview(partner_client, "x.csv", csv_bytes([row(pid="999999", sku="Z")]))
    assert [str(e) for e in response.context["plan"].errors] == ["2행 상품ID: 없는 상품입니다"]
    theirs.refresh_from_db()
    assert theirs.variants.get().price != 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(partner_client, vendor, other_vendor, fmt):
    ProductFactory(vendor=vendor, name="=SUM(A1:A3) 수상한 이름", summary="-할인-", variants=[
        {"name": "10kg", "sku": "00123", "price": 30000, "list_price": 35000, "stock": 4},
        {"name": "20kg", "sku": "B-2", "price": 55000, "stock": 0, "is_active": False}])
    ProductFactory(vendor=vendor, name="돌봄 서비스 2시간", kind="service", category=category("care-services"), origin="", tax_type="exempt",
        variants=[{"name": "기본", "sku": "CARE", "price": 40000, "stock": 0, "track_stock": False}])
    empty = ProductFactory(vendor=vendor, name="옵션 없는 상품", status=ProductStatus.DRAFT, variants=[])
    ProductFactory(vendor=other_vendor, name="남의 상품")
    response = partner_client.get(reverse("partner:catalog_product_export"), {"format": fmt})
    assert response.status_code == 200 and f".{fmt}" in response["Content-Disposition"]
    data = response.content
    if fmt == "csv":
        assert data.startswith("\ufeff".encode()) and "남의 상품" not in data.decode("utf-8-sig")
        assert "'=SUM(A1:A3)" in data.decode("utf-8-sig")  # no formula when Excel opens it
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        assert [c.value for c in sheet[1]] == HEADER
        assert sheet["B2"].data_type == "s" and sheet["J2"].value == "00123"
    before = {p.pk: p.updated_at for p in Product.objects.all()}
    variants_before = list(ProductVariant.objects.order_by("pk").values())

    response = preview(partner_client, f"export.{fmt}", data)
    plan = response.context["plan"]
    assert plan.ok, [str(e) for e in plan.errors]
    assert not plan.has_changes and response.context["token"] is None
    assert "바뀌는 내용이 없습니다" in response.content.decode()
    owner = vendor.memberships.get().user
    imports.import_apply(vendor_id=vendor.pk, fmt=fmt, data=data, actor=owner)
    assert {p.pk: p.updated_at for p in Product.objects.all()} == before
    assert list(ProductVariant.objects.order_by("pk").values()) == variants_before
    assert not empty.variants.exists()


def test_export_of_another_vendor_is_404(partner_client, other_vendor):
    response = partner_client.get(reverse("partner:catalog_product_export"), {"vendor": other_vendor.pk})
    assert response.status_code == 404


def test_confirm_applies_in_one_transaction(partner_client, vendor, monkeypatch):
    product = ProductFactory(vendor=vendor, name="먼저 고칠 상품")
    sku = product.variants.get().sku
    data = csv_bytes([
        row(pid=str(product.pk), name="고친 이름", cat="rice-grains", sku=sku, price="12345"),
        row(name="새 상품 하나", sku="NEW-1"),
        row(name="새 상품 둘", sku="NEW-2"),
    ])
    response = preview(partner_client, "x.csv", data)
    assert response.context["plan"].ok
    calls = []
    real_refresh = imports.product_refresh

    def failing_refresh(*, product_id):
        calls.append(product_id)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real_refresh(product_id=product_id)

    monkeypatch.setattr(imports, "product_refresh", failing_refresh)
    partner_client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        confirm(partner_client, response)
    product.refresh_from_db()
    assert product.name == "먼저 고칠 상품" and product.variants.get().price != 12345
    assert not Product.objects.filter(name__startswith="새 상품").exists()
    assert len(calls) == 3  # two products were written, then rolled back


def test_token_belongs_to_the_user_who_uploaded(client, partner_client, vendor, other_owner):
    response = preview(partner_client, "x.csv", csv_bytes([row()]))
    token = response.context["token"]
    client.force_login(other_owner)
    response = client.post(reverse("partner:catalog_product_import_confirm"), {"token": token}, follow=True)
    assert "미리보기가 만료되었습니다" in response.content.decode()
    assert not Product.objects.exists()


def test_file_changed_between_preview_and_confirm_is_checked_again(partner_client, vendor):
    product = ProductFactory(vendor=vendor)
    sku = product.variants.get().sku
    response = preview(partner_client, "x.csv", csv_bytes([row(pid=str(product.pk), cat="rice-grains", sku=sku,
                                                               price="1000")]))
    Product.objects.filter(pk=product.pk).update(vendor=VendorFactory(name="새 주인"))
    response = confirm(partner_client, response)
    assert response.status_code == 200
    assert "다른 기업의 상품입니다" in response.content.decode()
    assert product.variants.get().price != 1000
