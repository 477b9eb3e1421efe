"""What the browser journeys share besides fixtures (those are in conftest.py)."""
from tests.factories import PASSWORD


def log_in(page, live_server, email, next_url):
    """Sign in through the login page as `email` (the factories' password) and land on `next_url`."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("이메일").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"**{next_url}")


def checkout_by_bank_transfer(page, *, name, phone, email, postal_code="32244",
                              address="충청남도 홍성군 홍성읍 아문길 27"):
    """Fill the checkout page for `name` (orderer and recipient), pay by bank transfer, agree, place the
    order and land on its page."""
    page.locator("#id_orderer_name").fill(name)
    page.locator("#id_orderer_phone").fill(phone)
    page.locator("#id_email").fill(email)
    page.locator("#id_recipient_name").fill(name)
    page.locator("#id_recipient_phone").fill(phone)
    page.locator("#id_postal_code").fill(postal_code)
    page.locator("#id_address").fill(address)
    page.get_by_label("무통장입금").check()
    page.get_by_label("주문 상품의 구매조건을 확인했으며 결제 진행에 동의합니다 (필수)").check()
    page.get_by_label("개인정보 제3자(판매기업) 제공에 동의합니다 (필수)").check()
    page.get_by_test_id("place-order").click()
    page.wait_for_url("**/orders/2**")
