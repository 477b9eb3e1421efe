"""What the browser journeys share besides fixtures (those are in conftest.py)."""
from tests.factories import PASSWORD


def log_in(page, live_server, email, next_url):
    """Sign in through the login page as `email` (the factories' password) and land on `next_url`."""
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.get_by_label("이메일").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"**{next_url}")
