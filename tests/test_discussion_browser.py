"""Ask → answer → accept in headless Chromium: a member asks about a slide, the trainer
answers and accepts the answer, the member is emailed and sees the question answered. The
pages run under the site's Content-Security-Policy (no violation may be reported)."""

import pytest
from django.core import mail

from discussion.models import Thread

from .browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site():
    from courses.demo_content import load_demo

    return load_demo()


def watch(page, errors: list[str]) -> None:
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.on(
        "console",
        lambda message: (
            errors.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )


def test_ask_answer_accept(browser, live_server, site, artifacts_dir):
    lecture = site["slides_lecture"]
    errors: list[str] = []

    # The member asks about slide 2, from the slide's own page.
    member_context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=False)
    member = member_context.new_page()
    watch(member, errors)
    log_in(member, live_server.url, "member")
    member.goto(live_server.url + lecture.slide_url(2))
    questions = member.locator("#questions")
    assert "Questions about slide 2" in questions.locator("h2").inner_text()
    assert questions.locator("select[name=slide_number]").input_value() == "2"
    questions.get_by_label("Your question").fill("为什么要用日期命名？ Why dates first?")
    questions.get_by_label("Details (optional)").fill("See <b>this</b>: https://example.org/naming")
    questions.get_by_role("button", name="Post your question").click()
    member.wait_for_selector("h1:has-text('Why dates first?')")
    thread = Thread.objects.get()
    assert thread.slide_number == 2
    body = member.locator(".thread .post__body")
    assert body.inner_text().startswith("See <b>this</b>:")  # shown as typed, not as HTML
    assert body.locator("a").get_attribute("href") == "https://example.org/naming"
    assert member.locator(".thread").get_by_role("link", name="about slide 2").is_visible()

    # The trainer answers and accepts the answer.
    trainer_context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=False)
    trainer = trainer_context.new_page()
    watch(trainer, errors)
    log_in(trainer, live_server.url, "trainer")
    trainer.goto(f"{live_server.url}/discussion/{thread.pk}/")
    mail.outbox.clear()
    trainer.get_by_label("Your reply").fill("Files named 2026-11-25 … sort by date.\nThat is all.")
    trainer.get_by_role("button", name="Post your reply").click()
    reply = trainer.locator("article.post").first
    reply.wait_for()
    assert "Trainer" in reply.locator(".badge--staff").inner_text()
    reply.get_by_role("button", name="Accept as answer").click()
    trainer.wait_for_selector(".post--accepted")
    trainer.screenshot(path=artifacts_dir / "discussion-trainer-accepted.png", full_page=True)

    # The member, who follows their question, got an email; the question reads answered.
    [email] = mail.outbox
    assert email.to == ["member@example.com"] and "Why dates first?" in email.subject
    member.reload()
    accepted = member.locator(".post--accepted")
    assert "Accepted answer ✓" in accepted.inner_text()
    assert "That is all." in accepted.inner_text()
    assert member.locator(".post--accepted .post__body br").count() == 1  # the line break kept
    member.goto(live_server.url + lecture.url)
    listed = member.locator("#questions .question-list__item").first
    assert "Answered ✓" in listed.inner_text() and "1 reply" in listed.inner_text()
    member.screenshot(path=artifacts_dir / "discussion-lesson-questions.png", full_page=True)
    assert errors == []
    member_context.close()
    trainer_context.close()
