"""The admin console in a real browser: headless Chromium driven by selenium, against a live
platform-token-runtime, gateway and mock upstream.

Run by IntegrationTests (AdminConsoleBrowserTests.theConsoleInARealBrowser) with:
  LJQ_RUNTIME_URL       the runtime, e.g. http://127.0.0.1:18081 (the console is at /admin/)
  LJQ_GATEWAY_BASE_URL  the gateway's base URL including /v1, for the OpenAI SDK
  LJQ_ADMIN_KEY         the runtime's TOKEN_RUNTIME_ADMIN_KEY
  LJQ_CHROMEDRIVER      the chromedriver executable (Debian's chromium-driver: /usr/bin/chromedriver)
  LJQ_CHROMIUM          optional: the browser binary (default: what chromedriver finds)
  LJQ_SCREENSHOTS       a folder for the screenshots of every page, desktop and phone width
  LJQ_MODEL             the model to use (default mock-echo)

Prints "BROWSER OK" at the end; exits non-zero on any failure.
"""

import http.cookiejar
import json
import os
import sys
import time
import urllib.error
import urllib.request

import openai
from openai import OpenAI
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

RUNTIME = os.environ["LJQ_RUNTIME_URL"].rstrip("/")
GATEWAY = os.environ["LJQ_GATEWAY_BASE_URL"]
ADMIN_KEY = os.environ["LJQ_ADMIN_KEY"]
SHOTS = os.environ.get("LJQ_SCREENSHOTS", "/tmp/ljq-console-screenshots")
MODEL = os.environ.get("LJQ_MODEL", "mock-echo")
XSS_SUBJECT = "<img src=x onerror=alert(1)>"
DESKTOP = (1280, 900)
PHONE = (390, 844)


def check(condition, message):
    if not condition:
        raise AssertionError(message)


def step(text):
    print("--", text, flush=True)


class Console:
    def __init__(self):
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--lang=en-US"]:
            options.add_argument(argument)
        if os.environ.get("LJQ_CHROMIUM"):
            options.binary_location = os.environ["LJQ_CHROMIUM"]
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(os.environ["LJQ_CHROMEDRIVER"]), options=options)
        self.wait = WebDriverWait(self.driver, 15)

    def open(self, fragment=""):
        self.driver.get(RUNTIME + "/admin/" + fragment)

    def go(self, fragment):
        """Follows an in-page link target without reloading (as clicking the navigation does)."""
        self.driver.execute_script("location.hash = arguments[0]", fragment)

    def heading(self, text):
        self.wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#view h1"), text))

    def by_id(self, element_id):
        return self.wait.until(EC.presence_of_element_located((By.ID, element_id)))

    def visible(self, element_id):
        return self.wait.until(EC.visibility_of_element_located((By.ID, element_id)))

    def text(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def active_id(self):
        return self.driver.switch_to.active_element.get_attribute("id")

    def no_alert(self):
        try:
            alert = self.driver.switch_to.alert
            text = alert.text
            alert.dismiss()
            raise AssertionError(f"a script ran: alert({text!r})")
        except NoAlertPresentException:
            pass

    def screenshot(self, name):
        """The whole page at desktop and at phone width."""
        os.makedirs(SHOTS, exist_ok=True)
        for label, (width, height) in [("desktop", DESKTOP), ("phone", PHONE)]:
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": label == "phone"})
            time.sleep(0.3)
            full = self.driver.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
            self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
                "width": width, "height": min(max(height, full), 4000), "deviceScaleFactor": 1, "mobile": label == "phone"})
            time.sleep(0.2)
            self.driver.save_screenshot(os.path.join(SHOTS, f"console-{name}-{label}.png"))
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def session_cookie(self):
        return next((c for c in self.driver.get_cookies() if c["name"] == "ljq_admin_session"), None)

    def problems_in_log(self):
        """Script errors and CSP violations the browser logged (expected 401s of sign-in aside)."""
        problems = []
        for entry in self.driver.get_log("browser"):
            message = entry.get("message", "")
            if entry.get("level") != "SEVERE":
                continue
            if "/admin/session" in message and ("401" in message or "429" in message):
                continue
            problems.append(message)
        return problems


def http(method, path, cookie=None, origin=None, body=None, bearer=None):
    request = urllib.request.Request(RUNTIME + path, method=method, data=None if body is None else json.dumps(body).encode())
    if bearer:
        request.add_header("Authorization", "Bearer " + bearer)
    if body is not None:
        request.add_header("Content-Type", "application/json")
    if cookie:
        request.add_header("Cookie", "ljq_admin_session=" + cookie)
    if origin:
        request.add_header("Origin", origin)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def seed_month_of_usage():
    """A month of usage of three models for one more token, reported as a gateway would (the
    admin key may report), so the usage page has days and models to stack."""
    status, body = http("POST", "/v1/tokens", bearer=ADMIN_KEY, body={"subject": "demo-team", "client_id": "seeded"})
    check(status == 201, f"issue demo token: {status} {body}")
    token_id = json.loads(body)["id"]
    now = int(time.time())
    records = []
    for day in range(30):
        for index, (model, cost) in enumerate([("gpt-4o-mini", 1_500_000), ("claude-sonnet", 4_000_000), ("mock-echo", 700_000)]):
            if (day + index) % 4 == 3:
                continue
            records.append({
                "id": f"seed-{day}-{model}", "token_id": token_id, "subject": "demo-team", "model": model, "provider": "seed",
                "time": now - day * 86400, "prompt_tokens": 1000 + day * 10, "completion_tokens": 200 + day,
                "cached_tokens": 0, "cost_nano_usd": cost * (1 + (day * 7 + index * 3) % 5), "priced": True, "estimated": False})
    status, body = http("POST", "/v1/usage", bearer=ADMIN_KEY, body={"records": records})
    check(status == 200, f"seed usage: {status} {body}")
    return token_id


def chat(token):
    client = OpenAI(base_url=GATEWAY, api_key=token, max_retries=0, timeout=20.0)
    return client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hello there"}])


def issue_through_form(console, subject, models=None, budget=None, period=None, rpm=None):
    console.go("#/issue")
    console.heading("Issue a token")
    console.by_id("issue-subject").send_keys(subject)
    console.by_id("issue-ttl").send_keys("2")
    if models:
        console.by_id("issue-models").send_keys(models)
    if rpm:
        console.by_id("issue-rpm").send_keys(str(rpm))
    if budget:
        console.by_id("issue-budget").send_keys(budget)
    if period:
        console.by_id("issue-period").send_keys(period)
    console.by_id("issue-submit").click()
    token_field = console.visible("issued-token")
    return token_field.get_attribute("value"), console.by_id("issued-detail").text


def main():
    console = Console()
    try:
        run(console)
    except Exception:
        try:
            os.makedirs(SHOTS, exist_ok=True)
            console.driver.save_screenshot(os.path.join(SHOTS, "failure.png"))
            print("page at failure:", console.driver.current_url, console.driver.find_element(By.TAG_NAME, "body").text[:2000])
            print("browser log:", console.driver.get_log("browser"))
        except Exception as error:  # noqa: BLE001 - diagnostics only
            print("no diagnostics:", error)
        raise
    finally:
        console.driver.quit()
    print("BROWSER OK")


def run(console):
    # -- sign-in: a wrong key shows an error; the right one gives an HttpOnly, Strict cookie -----
    step("sign in with a wrong key, then the right one")
    console.open()
    key_input = console.visible("admin-key")
    check(console.driver.find_element(By.CSS_SELECTOR, "label[for=admin-key]").text.startswith("Admin key"), "the key input has a label")
    console.screenshot("signin")
    key_input.send_keys("certainly-not-the-admin-key" + Keys.ENTER)
    console.wait.until(EC.text_to_be_present_in_element((By.ID, "signin-error"), "not the admin key"))
    check(console.session_cookie() is None, "a wrong key set a cookie")
    console.by_id("admin-key").send_keys(ADMIN_KEY + Keys.ENTER)
    console.heading("Tokens")
    cookie = console.session_cookie()
    check(cookie is not None, "no session cookie after sign-in")
    check(cookie["httpOnly"] is True, f"cookie not HttpOnly: {cookie}")
    check(cookie.get("sameSite") == "Strict", f"cookie not SameSite=Strict: {cookie}")
    check(cookie["path"] == "/", f"cookie path: {cookie}")
    check(console.driver.execute_script("return document.cookie") == "", "the page's script can read the session cookie")
    check(ADMIN_KEY not in console.driver.current_url, "the admin key is in the URL")

    # -- the console's API calls without the cookie, or with a foreign Origin, are refused ------
    step("API calls without the cookie or from another origin are refused")
    session = cookie["value"]
    status, _ = http("GET", "/v1/tokens")
    check(status == 401, f"no cookie: {status}")
    status, _ = http("POST", "/v1/tokens", cookie=session, origin="http://evil.example", body={"subject": "csrf"})
    check(status == 403, f"foreign Origin: {status}")
    status, _ = http("POST", "/v1/tokens", cookie=session, body={"subject": "csrf"})
    check(status == 403, f"no Origin: {status}")
    status, body = http("GET", "/v1/tokens?q=csrf", cookie=session)
    check(status == 200 and '"data":[]' in body.replace(" ", ""), f"a refused call issued a token: {body}")

    # -- issue a token through the form; it is shown once ----------------------------------------
    step("issue a token through the form")
    token, token_id = issue_through_form(console, "browser-e2e", models=MODEL, budget="5", period="month", rpm=600)
    check(token.startswith("ljq_") and len(token) > 40, f"issued token looks wrong: {token!r}")
    check("will not be shown again" in console.text("#issued-warning"), "no 'will not be shown again' warning")
    console.by_id("copy-token").click()
    console.wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".copied").text != "")
    # A screenshot of the page as it is, but with the token masked (the picture is committed).
    console.driver.execute_script("document.getElementById('issued-token').value = arguments[0]", "ljq_" + "•" * 20 + " (masked in this screenshot)")
    console.screenshot("issued")
    check(token not in console.driver.page_source, "the token is still in the page after masking")
    console.go("#/tokens")
    console.heading("Tokens")
    console.go("#/issue")
    console.heading("Issue a token")
    check(token not in console.driver.page_source, "the token is shown again")
    for entry in console.driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"):
        check(token not in entry and ADMIN_KEY not in entry, f"a secret in a URL: {entry}")

    # -- use it through the gateway with the OpenAI SDK; its spend shows on its detail page -------
    step("use the token through the gateway with the OpenAI SDK")
    for _ in range(3):
        answer = chat(token)
        check(answer.choices[0].message.content, f"empty answer: {answer}")
    step("its spend appears on its detail page")
    deadline = time.time() + 30
    spend = "$0"
    while time.time() < deadline:
        console.go("#/tokens")
        console.heading("Tokens")
        console.go("#/token/" + token_id)
        console.heading("Token")
        spend = console.by_id("token-spend").text
        if spend != "$0":
            break
        time.sleep(1)
    check(spend != "$0", "no spend on the detail page after 30 s")
    check(MODEL in console.text("#token-models"), "the model is not in the by-model table")
    check("spent of $5" in console.text("#budget"), f"budget bar: {console.text('#budget')}")
    bars = console.driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar title")
    check(any(MODEL in b.get_attribute("textContent") for b in bars), "no chart bar with the model in its <title>")
    console.screenshot("token")

    step("edit its limits (PATCH)")
    rpm = console.by_id("edit-rpm")
    rpm.clear()
    rpm.send_keys("900")
    console.by_id("edit-submit").click()
    console.wait.until(EC.text_to_be_present_in_element((By.ID, "claims"), "900 RPM"))

    # -- the other pages ------------------------------------------------------------------------
    step("usage and health pages")
    seeded = seed_month_of_usage()
    console.go("#/usage")
    console.heading("Usage")
    console.by_id("top-tokens")
    check(seeded in console.text("#top-tokens"), "the seeded token is not among the top tokens")
    legend = [item.text for item in console.driver.find_elements(By.CSS_SELECTOR, ".legend li")]
    check(len(legend) == 3 and MODEL in legend, f"the chart's legend: {legend}")
    rows = console.driver.find_elements(By.CSS_SELECTOR, "figure table.data tbody tr")
    check(len(rows) >= 28, f"the chart's table has {len(rows)} days")
    check(token_id in console.text("#top-tokens"), "the token is not among the top tokens")
    check("browser-e2e" in console.text("#top-subjects"), "the subject is not among the top subjects")
    check(console.driver.find_elements(By.CSS_SELECTOR, "figure svg.chart"), "no usage chart")
    console.screenshot("usage")
    console.go("#/health")
    console.heading("Health")
    console.wait.until(EC.text_to_be_present_in_element((By.ID, "health-ready"), "ready"))
    console.wait.until(lambda d: "/s" in d.find_element(By.ID, "health").text)  # two readings: a rate
    console.screenshot("health")

    # -- a hostile subject renders as text and runs nothing ------------------------------------
    step("a subject with HTML in it is shown as text")
    issue_through_form(console, XSS_SUBJECT)
    console.no_alert()
    console.go("#/tokens")
    console.heading("Tokens")
    console.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#tokens-table td.subject")))
    subjects = [cell.text for cell in console.driver.find_elements(By.CSS_SELECTOR, "#tokens-table td.subject")]
    check(XSS_SUBJECT in subjects, f"the subject is not shown as text: {subjects}")
    check(not console.driver.find_elements(By.CSS_SELECTOR, "#view img"), "an <img> element was created from a subject")
    console.no_alert()
    console.screenshot("tokens")

    # -- keyboard only: issue, open, revoke ------------------------------------------------------
    step("keyboard only: issue a token and revoke it")
    console.go("#/issue")
    console.heading("Issue a token")
    for form_id in ["issue-form"]:
        for field in console.driver.find_elements(By.CSS_SELECTOR, f"#{form_id} input, #{form_id} select"):
            field_id = field.get_attribute("id")
            check(console.driver.find_elements(By.CSS_SELECTOR, f"label[for='{field_id}']"), f"input {field_id} has no label")
    # Nothing focused: Tab starts at the top of the page.
    console.driver.execute_script("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)")
    keys = webdriver.ActionChains(console.driver)

    def tab_to(element_id, limit=60):
        for _ in range(limit):
            if console.active_id() == element_id:
                return
            webdriver.ActionChains(console.driver).send_keys(Keys.TAB).perform()
        raise AssertionError(f"Tab never reached #{element_id} (stuck at #{console.active_id()})")

    tab_to("issue-subject")
    keys.send_keys("keyboard-only").perform()
    tab_to("issue-rpm")
    webdriver.ActionChains(console.driver).send_keys("30" + Keys.ENTER).perform()
    console.visible("issued-token")
    check(console.active_id() == "issued-token", "focus is not on the issued token")
    tab_to("issued-detail")
    webdriver.ActionChains(console.driver).send_keys(Keys.ENTER).perform()
    console.heading("Token")
    console.visible("revoke-start")
    check(console.text("#token-subject") == "keyboard-only", "the detail page is not the keyboard token's")
    tab_to("revoke-start", limit=80)
    webdriver.ActionChains(console.driver).send_keys(Keys.ENTER).perform()
    console.visible("revoke-confirm")
    check(console.active_id() == "revoke-yes", "the confirmation does not take the focus")
    webdriver.ActionChains(console.driver).send_keys(Keys.TAB).perform()
    check(console.active_id() == "revoke-no", "Tab does not reach Cancel")
    webdriver.ActionChains(console.driver).send_keys(Keys.ENTER).perform()
    check(console.active_id() == "revoke-start", "Cancel does not give the focus back")
    webdriver.ActionChains(console.driver).send_keys(Keys.ENTER).perform()
    console.visible("revoke-yes")
    webdriver.ActionChains(console.driver).send_keys(Keys.ENTER).perform()
    console.wait.until(EC.text_to_be_present_in_element((By.ID, "claims"), "revoked"))

    # -- revoke the SDK's token in the console; the gateway refuses it -------------------------
    step("revoke the SDK's token in the console")
    console.go("#/token/" + token_id)
    console.heading("Token")
    console.visible("revoke-start").click()
    check(not console.driver.find_element(By.ID, "revoke-confirm").get_attribute("hidden"), "no confirmation step")
    console.screenshot("revoke")
    console.by_id("revoke-yes").click()
    console.wait.until(EC.text_to_be_present_in_element((By.ID, "claims"), "revoked"))
    revoked_at = time.time()
    refused = None
    while time.time() - revoked_at < 3:
        try:
            chat(token)
        except openai.AuthenticationError as error:
            refused = error
            break
        time.sleep(0.1)
    check(refused is not None, "the gateway still serves the revoked token 3 s after the console revoked it")
    step(f"the gateway refused it {time.time() - revoked_at:.2f} s after the console showed it revoked")

    # -- sign out: the cookie is worthless afterwards -------------------------------------------
    step("sign out")
    console.by_id("logout").click()
    console.visible("signin")
    status, _ = http("GET", "/v1/tokens", cookie=session)
    check(status == 401, f"the signed-out session still works: {status}")
    console.no_alert()
    problems = console.problems_in_log()
    check(not problems, f"the browser logged errors: {problems}")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as error:
        print("FAILED:", error, file=sys.stderr)
        sys.exit(1)
