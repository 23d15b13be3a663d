"""English and Simplified Chinese: the switcher, translated pages, complete translations."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

PO_FILE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# Wagtail's admin words its own zh_Hans catalogue lacks (locale/wagtail/README.md).
WAGTAIL_GAPS = Path(settings.BASE_DIR) / "locale" / "wagtail" / "zh_Hans" / "LC_MESSAGES"


def test_pages_render_in_chinese_when_the_browser_asks(client, demo):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in html
    assert ">课程</a>" in html
    assert "全部课程" in html
    assert "Skip to main content" not in html


def test_language_switcher_sets_the_language_and_returns_to_the_page(client, demo):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/digital-office/"})
    assert response.status_code == 302 and response["Location"] == "/digital-office/"
    html = client.get("/digital-office/").content.decode()
    assert "课程介绍" in html and "课时" in html
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "About this course" in client.get("/digital-office/").content.decode()


def test_the_switcher_offers_the_other_language_by_its_own_name(client, demo, settings):
    english = client.get("/digital-office/").content.decode()
    assert '<button type="submit" name="language" value="zh-hans">' in english
    assert '<span lang="zh-hans">简体中文</span>' in english
    assert 'value="en"' not in english.split('class="language-switcher"')[1].split("</form>")[0]
    chinese = client.get("/digital-office/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert '<span lang="en">English</span>' in chinese and "切换语言：" in chinese
    # Many languages: a list to choose from instead of a row of buttons.
    settings.LANGUAGES = [
        ("en", "English"),
        ("zh-hans", "Chinese"),
        ("fr", "French"),
        ("de", "German"),
    ]
    many = client.get("/digital-office/").content.decode()
    assert '<select id="language-select" name="language">' in many and "Deutsch" in many


def test_switcher_refuses_foreign_redirects(client, demo):
    response = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/accounts/login/", "忘记密码？"),
        ("/accounts/signup/", "创建账户"),
        ("/search/?q=records", "条结果"),
        ("/tags/", "主题"),
        ("/digital-office/basics/what-is-e-government/", "分钟读完"),
        ("/no-such-page/", "页面不存在"),
    ],
)
def test_chinese_strings_on_each_kind_of_page(client, demo, url, text):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert text in client.get(url).content.decode()


def test_every_string_is_translated_and_compiled():
    po = polib.pofile(str(PO_FILE))
    untranslated = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    assert untranslated == []
    assert len(po) > 100
    mo = PO_FILE.with_suffix(".mo")
    assert mo.exists(), "run `make messages` (make run and make test do it)"
    assert mo.stat().st_mtime >= PO_FILE.stat().st_mtime - 1, "the .mo is older than the .po"


def test_translated_placeholders_match():
    for entry in polib.pofile(str(PO_FILE)):
        for translation in [entry.msgstr, *entry.msgstr_plural.values()]:
            if translation:
                for placeholder in (
                    "%(name)s",
                    "%(query)s",
                    "%(minutes)s",
                    "%(counter)s",
                    "%(site_name)s",
                ):
                    assert (placeholder in entry.msgid) == (placeholder in translation), entry.msgid


# Where our catalogue uses the same English words as Wagtail's or Django's, ours wins (the
# project's locale comes first), also inside Wagtail's admin. These differ from theirs on
# purpose: the same meaning in the wording our pages use. Any other clash would change
# Wagtail's admin: give our words a context (pgettext, {% translate … context … %}).
SAME_MEANING_AS_THEIRS = {
    "%(counter)s result",
    "Admin",
    "Approve with comment",
    "Breadcrumb",
    "Changes requested",
    "Check your email",
    "Email",
    "Email address",
    "Embed",
    "Heading 2",
    "Heading 3",
    "Heading 4",
    "Image",
    "Log out",
    "Next",
    "Not started",
    "Page not found",
    "Previous",
    "Remove",
    "Request changes",
    "Reset your password",
    "Summary",
    "Text",
    "Updated",
    "Views",
    "label",
}


def _installed_catalogues() -> dict[str, set[str]]:
    """Every msgid (without a context) the installed apps' zh_Hans catalogues translate, and
    our supplement of Wagtail's missing words, with their translations."""
    import django
    import wagtail

    theirs: dict[str, set[str]] = {}
    paths = [WAGTAIL_GAPS / "django.po"]
    for package in (django, wagtail):
        paths += Path(package.__file__).parent.glob("**/locale/zh_Hans/LC_MESSAGES/django.po")
    for path in paths:
        for entry in polib.pofile(str(path)):
            if entry.msgctxt is None and entry.translated():
                theirs.setdefault(entry.msgid, set()).add(entry.msgstr or entry.msgstr_plural[0])
    return theirs


def test_our_words_do_not_change_wagtails_own():
    theirs = _installed_catalogues()
    clashes = sorted(
        entry.msgid
        for entry in polib.pofile(str(PO_FILE))
        if entry.msgctxt is None
        and entry.msgid in theirs
        and (entry.msgstr or entry.msgstr_plural[0]) not in theirs[entry.msgid]
        and entry.msgid not in SAME_MEANING_AS_THEIRS
    )
    assert clashes == []


def test_the_chinese_admin_menu_keeps_wagtails_words(admin_client_demo):
    admin_client_demo.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = admin_client_demo.get("/admin/").content.decode()
    # Wagtail's sidebar is JSON in the page (non-ASCII as escapes or not, by version).
    import json
    import re

    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', html, re.S
    )
    assert props is not None
    labels = json.dumps(json.loads(props.group(1)), ensure_ascii=False)
    assert '"报告"' in labels  # Reports, not 举报 (a post reported in a discussion)
    assert '"页面"' in labels  # Pages, not 分页 (a page list's navigation)
    assert '"举报"' not in labels and '"分页"' not in labels


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_wagtails_admin_has_no_untranslated_words(domain):
    """Every string of Wagtail's admin has a Chinese translation: Wagtail's own, or ours in
    locale/wagtail (for those its catalogue lacks). After a Wagtail upgrade this lists what
    the new version added untranslated."""
    import wagtail

    ours = {
        (entry.msgctxt, entry.msgid): entry
        for entry in polib.pofile(str(WAGTAIL_GAPS / f"{domain}.po"))
        if entry.translated() and "fuzzy" not in entry.flags
    }
    missing = []
    for english in Path(wagtail.__file__).parent.glob(f"**/locale/en/LC_MESSAGES/{domain}.po"):
        chinese = Path(str(english).replace("/en/", "/zh_Hans/"))
        theirs = (
            {(e.msgctxt, e.msgid) for e in polib.pofile(str(chinese)).translated_entries()}
            if chinese.exists()
            else set()
        )
        missing += [
            entry.msgid
            for entry in polib.pofile(str(english))
            if (entry.msgctxt, entry.msgid) not in theirs | ours.keys()
        ]
    assert missing == []
    mo = WAGTAIL_GAPS / f"{domain}.mo"
    assert mo.exists(), "run `make messages` (make run and make test do it)"


def test_wagtails_dashboard_speaks_chinese(admin_client_demo):
    admin_client_demo.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = admin_client_demo.get("/admin/").content.decode()
    assert "Search all pages" not in html
    assert "editor guide" not in html


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_wagtails_missing_words_keep_their_placeholders_and_markup(domain):
    import re

    placeholder = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}|</?[a-z]+")
    for entry in polib.pofile(str(WAGTAIL_GAPS / f"{domain}.po")):
        english = set(placeholder.findall(entry.msgid + (entry.msgid_plural or "")))
        for chinese in [entry.msgstr, *entry.msgstr_plural.values()]:
            if chinese:
                assert set(placeholder.findall(chinese)) == english, entry.msgid


def test_wagtails_words_and_our_model_names_are_written_together(admin_client_demo):
    """添加演示文稿, not Wagtail's 添加 演示文稿: Chinese puts no space between words. The deck
    is 演示文稿 and its slides 幻灯片, so "4 幻灯片" in a list cannot mean four decks."""
    admin_client_demo.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = admin_client_demo.get("/admin/snippets/courses/slidedeck/").content.decode()
    assert "添加演示文稿" in html and "添加 演示文稿" not in html
    assert "1 演示文稿" in " ".join(html.split())


def test_the_deck_and_video_status_panels_are_headed_as_a_state_not_a_task(admin_client_demo, demo):
    """ "Processing" on a ready video's page is its processing record (处理情况), not the
    status of a video still being processed (处理中), which the status list keeps."""
    admin_client_demo.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    video = admin_client_demo.get(
        f"/admin/snippets/courses/lecturevideo/edit/{demo['video'].pk}/"
    ).content.decode()
    assert "处理情况" in video and "处理中" not in video
    deck = admin_client_demo.get(
        f"/admin/snippets/courses/slidedeck/edit/{demo['deck'].pk}/"
    ).content.decode()
    assert "转换情况" in deck
    assert (
        "处理中"
        in admin_client_demo.get(
            "/admin/snippets/courses/lecturevideo/?status=processing"
        ).content.decode()
    )  # the status filter's choice


def test_chinese_says_nin_throughout_even_in_djangos_and_wagtails_words(client, demo):
    """elearn addresses people as 您; Django's password rules and Wagtail's admin said 你."""
    from django.utils import translation

    with translation.override("zh-hans"):
        for words in [
            "Your password can’t be entirely numeric.",
            "Your password can’t be too similar to your other personal information.",
            "Pages locked by you",
            "Awaiting your review",
        ]:
            said = translation.gettext(words)
            assert "你" not in said, said
    client.cookies["django_language"] = "zh-hans"
    form = {
        "username": "li",
        "email": "li@example.com",
        "password1": "12345678901",
        "password2": "12345678901",
    }
    html = client.post("/accounts/signup/", {**form, "first_name": "明"}).content.decode()
    assert "您的密码不能全都是数字" in html and "你" not in html


def test_chinese_punctuation_around_search_labels_and_continue_links(member_client, demo):
    """A full-width colon after "正文" and brackets around "第 4 张幻灯片", as Chinese sets them."""
    from courses.models import LecturePage
    from tests.test_progress import post

    member_client.cookies["django_language"] = "zh-hans"
    html = member_client.get("/search/", {"q": "信息化"}).content.decode()
    assert "：</span>" in html and ":</span>" not in html
    lecture = LecturePage.objects.get(pk=demo["slides_lecture"].pk)
    post(member_client, lecture, {"slides": [1, 2, 3]})
    html = member_client.get("/learning/").content.decode()
    assert '<span class="resume-at">（第 4 张幻灯片）</span>' in html, html[
        html.find("resume-at") - 200 :
    ][:400]
    member_client.cookies["django_language"] = "en"
    html = member_client.get("/learning/").content.decode()
    assert '<span class="resume-at">(slide 4)</span>' in html
