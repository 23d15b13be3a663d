"""Demo content for `manage.py load_demo`: a catalogue, two courses, a library, three users.

Kept apart from the command so tests can build the same site. Every step looks for what it
would create first, so running it twice changes nothing.
"""

import io
import json
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image as PILImage
from PIL import ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Page, Site

from . import deck_service, video_service
from .decks import create_deck
from .demo_deck import build_demo_deck
from .demo_video import CAPTIONS, CHAPTERS, build_demo_video, webvtt
from .models import (
    ArticlePage,
    CourseIndexPage,
    CoursePage,
    CourseSectionPage,
    Enrolment,
    LecturePage,
    LectureVideo,
    LibraryPage,
    OrganisationSettings,
    SlideDeck,
    VideoCaption,
)
from .peer_review import ensure_peer_review
from .roles import ADMINS, MEMBERS, TRAINERS, ensure_roles
from .video_service import create_video

DEMO_USERS = [
    # (username, password, role, first name, last name, superuser)
    ("admin", "elearn-admin", ADMINS, "Ada", "Admin", True),
    ("trainer", "elearn-trainer", TRAINERS, "Tom", "Trainer", False),
    ("member", "elearn-member", MEMBERS, "明", "李", False),
]


def paragraph(html: str) -> dict:
    return {"type": "paragraph", "value": html}


def heading(text: str, level: str = "h2") -> dict:
    return {"type": "heading", "value": {"text": text, "level": level}}


def table(rows: list[list[str]], caption: str = "") -> dict:
    return {
        "type": "table",
        "value": {
            "data": rows,
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "table_caption": caption,
        },
    }


def quote(text: str, attribution: str = "") -> dict:
    return {"type": "quote", "value": {"text": text, "attribution": attribution}}


def cover_image(title: str, colours: tuple[str, str]):
    """A generated cover: a two-colour gradient with circles, so the demo needs no downloads."""
    Image = get_image_model()
    existing = Image.objects.filter(title=title).first()
    if existing:
        return existing
    width, height = 1280, 720
    img = PILImage.new("RGB", (width, height), colours[0])
    draw = ImageDraw.Draw(img)
    top, bottom = (
        PILImage.new("RGB", (1, 1), colours[0]).getpixel((0, 0)),
        PILImage.new("RGB", (1, 1), colours[1]).getpixel((0, 0)),
    )
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    for i, radius in enumerate((260, 180, 110)):
        cx, cy = width - 260 + i * 40, 230 + i * 90
        draw.ellipse(
            [cx - radius, cy - radius, cx + radius, cy + radius], outline=(255, 255, 255), width=6
        )
    buffer = io.BytesIO()
    img.save(buffer, "PNG")
    return Image.objects.create(title=title, file=ImageFile(buffer, name=f"{title[:40]}.png"))


def ensure_child(parent: Page, model, slug: str, **fields):
    """The live child of ``parent`` with ``slug``, created and published if missing."""
    existing = model.objects.child_of(parent).filter(slug=slug).first()
    if existing:
        return existing
    tags = fields.pop("tags", [])
    trainers = fields.pop("trainers", [])
    page = model(slug=slug, **fields)
    parent.add_child(instance=page)
    if tags:
        page.tags.add(*tags)
    if trainers:
        page.trainers.set(trainers)
    page.save_revision().publish()
    return page


def ensure_users() -> dict[str, object]:
    ensure_roles()
    User = get_user_model()
    users = {}
    for username, password, role, first, last, superuser in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(password)
            user.is_superuser = superuser
            user.is_staff = superuser
            user.save()
        user.groups.add(Group.objects.get(name=role))
        if role != MEMBERS:
            user.groups.add(Group.objects.get(name=MEMBERS))
        users[username] = user
    return users


def ensure_base_tree() -> Page:
    """Wagtail's own starting rows (locale, root page, root collection), made by its migrations;
    recreated here if a database was emptied (``manage.py flush``, transactional tests)."""
    from django.conf import settings
    from wagtail.models import Collection, Locale

    if not Locale.objects.exists():
        Locale.objects.create(language_code=settings.LANGUAGE_CODE)
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Page.get_first_root_node() or Page.add_root(title="Root", slug="root", live=True)


def ensure_catalogue() -> CourseIndexPage:
    """The catalogue as the default site's root page, replacing Wagtail's welcome page."""
    root = ensure_base_tree()
    catalogue = CourseIndexPage.objects.first()
    if catalogue is None:
        catalogue = CourseIndexPage(
            title="Training courses",
            slug="courses",
            intro="<p>Courses, lectures and theory articles for our members and branches. "
            "为会员和各分支机构提供的培训课程、讲座和理论文章。</p>",
        )
        root.add_child(instance=catalogue)
        catalogue.save_revision().publish()
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=catalogue,
            is_default_site=True,
            site_name="elearn",
        )
    elif site.root_page_id != catalogue.pk:
        old_root = site.root_page
        site.root_page = catalogue
        site.site_name = "elearn"
        site.save()
        # Wagtail's own "Welcome to your new Wagtail site!" page has no use any more.
        if (
            old_root.content_type.model == "page"
            and old_root.depth == 2
            and not old_root.get_children().exists()
        ):
            old_root.delete()
    org = OrganisationSettings.for_site(site or Site.objects.get(is_default_site=True))
    if not org.name:
        org.name = "elearn demo society"
        org.contact_email = "training@example.com"
        org.save()
    return catalogue


DEMO_DECK_TITLE = "Digital office basics (demo deck)"


def ensure_demo_deck(user) -> SlideDeck:
    """The demo lecture's deck, generated with python-pptx and converted now (a few seconds)."""
    deck = SlideDeck.objects.filter(title=DEMO_DECK_TITLE).first()
    if deck is None:
        with tempfile.TemporaryDirectory() as tmp:
            path = build_demo_deck(Path(tmp) / "digital-office-basics.pptx")
            deck = create_deck(path, title=DEMO_DECK_TITLE, tags=["demo"], user=user)
    if not deck.is_ready:
        deck_service.convert(deck, force=True)
    return deck


DEMO_VIDEO_TITLE = "Welcome to the course (demo video)"


def ensure_demo_video() -> LectureVideo:
    """The welcome lecture's video, generated with the bundled ffmpeg and processed now, with
    English and Chinese captions and chapters."""
    video = LectureVideo.objects.filter(title=DEMO_VIDEO_TITLE).first()
    if video is None:
        with tempfile.TemporaryDirectory() as tmp:
            video = create_video(
                build_demo_video(Path(tmp) / "welcome.mp4"), title=DEMO_VIDEO_TITLE, tags=["demo"]
            )
        for language, (label, cues) in CAPTIONS.items():
            _caption(video, language, label, VideoCaption.Kind.CAPTIONS, cues)
        _caption(video, "en", "Chapters", VideoCaption.Kind.CHAPTERS, CHAPTERS)
    if not video.is_ready:
        video_service.process(video, force=True)
    return video


def _caption(video, language, label, kind, cues) -> None:
    text = webvtt(cues)
    VideoCaption.objects.create(
        video=video,
        language=language,
        label=label,
        kind=kind,
        file=ContentFile(text.encode(), name=f"{language}-{kind}.vtt"),
        vtt=text,
        cues=[list(cue) for cue in cues],
    )


def load_demo() -> dict[str, object]:
    """Create (or find) the demo site; returns the main objects for callers and tests."""
    objects = _load_pages()
    video = ensure_demo_video()
    welcome = objects["welcome_lecture"]
    if welcome.video_id != video.pk:
        welcome.video = video
        welcome.save_revision().publish()
    objects["video"] = video
    # Outside the page transaction: the conversion commits its text before its images.
    deck = ensure_demo_deck(objects["users"]["trainer"])
    lecture = objects["slides_lecture"]
    if lecture.deck_id != deck.pk:
        lecture.deck = deck
        lecture.save_revision().publish()
    objects["deck"] = deck
    objects["video_lecture"] = ensure_video_in_step(objects["video_lecture"], deck)
    return objects


def ensure_video_in_step(lecture: LecturePage, deck: SlideDeck) -> LecturePage:
    """The demo deck as a video (3 s a slide), its slides timed: video and slides in step."""
    lecture = LecturePage.objects.get(pk=lecture.pk)
    if lecture.deck_id != deck.pk:
        lecture.deck = deck
        lecture.save_revision().publish()
    if lecture.video_id is None or not lecture.slide_timings.exists():
        video_service.narrate_lecture(lecture, default_seconds=3)
        lecture = LecturePage.objects.get(pk=lecture.pk)
    if not lecture.video.is_ready:
        video_service.process(lecture.video, force=True)
    return lecture


@transaction.atomic
def _load_pages() -> dict[str, object]:
    """Create (or find) the demo site; returns the main objects for callers and tests."""
    ensure_base_tree()
    users = ensure_users()
    ensure_peer_review()  # before the catalogue: a new catalogue is put under it
    catalogue = ensure_catalogue()

    library = ensure_child(
        catalogue,
        LibraryPage,
        "library",
        title="Policies and regulations",
        intro="<p>The policies every member should know.</p>",
    )
    ensure_child(
        library,
        ArticlePage,
        "data-protection-policy",
        title="Data protection policy",
        kind=ArticlePage.Kind.POLICY,
        summary="How we keep members' personal data safe.",
        body=json.dumps(
            [
                heading("Why it matters"),
                paragraph(
                    "<p>Branches hold names, addresses and training records. Keep them only as long as needed.</p>"
                ),
                heading("Rules"),
                paragraph(
                    "<ol><li>Lock your screen.</li><li>Never email member lists unencrypted.</li><li>Report a breach within 24 hours.</li></ol>"
                ),
            ]
        ),
        tags=["policy", "data protection"],
    )
    ensure_child(
        library,
        ArticlePage,
        "office-regulation",
        title="机关公文处理规定",
        kind=ArticlePage.Kind.REGULATION,
        summary="公文的起草、审核、签发和归档要求。",
        body=json.dumps(
            [
                heading("总则"),
                paragraph(
                    "<p>为了加强机关信息化建设，提高工作效率，规范公文处理工作，制定本规定。</p>"
                ),
                quote("公文处理应当坚持实事求是、准确规范、精简高效、安全保密的原则。", "第三条"),
            ]
        ),
        tags=["regulation", "信息化"],
    )

    course = ensure_child(
        catalogue,
        CoursePage,
        "digital-office",
        title="加强机关信息化建设，提高工作效率",
        summary="Digital skills for branch offices: documents, records and safe use of data. 机关信息化基础课程。",
        description="<p>A short course for branch staff. 本课程面向各分支机构工作人员，介绍信息化办公的基本方法。</p>",
        cover_image=cover_image("Digital office cover", ("#0b5cad", "#59a5ec")),
        tags=["信息化", "office skills"],
        trainers=[users["trainer"]],
    )
    basics = ensure_child(
        course, CourseSectionPage, "basics", title="Part 1 · Basics 基础", intro="Start here."
    )
    ensure_child(
        basics,
        ArticlePage,
        "what-is-e-government",
        title="什么是电子政务",
        kind=ArticlePage.Kind.THEORY,
        summary="电子政务的概念、发展和意义。",
        body=json.dumps(
            [
                heading("概念"),
                paragraph(
                    "<p>电子政务是指国家机关在政务活动中，全面应用现代信息技术、网络技术以及办公自动化技术等进行办公、管理和为社会提供公共服务的一种全新的管理模式。</p>"
                ),
                heading("意义"),
                paragraph("<p>推进信息化建设，可以提高工作效率、降低行政成本、增强服务能力。</p>"),
                table(
                    [
                        ["阶段", "特点"],
                        ["起步", "办公自动化"],
                        ["发展", "网上办事"],
                        ["深化", "数据共享"],
                    ],
                    "电子政务的发展阶段",
                ),
            ]
        ),
        tags=["信息化", "theory"],
        preview=True,
    )
    welcome_lecture = ensure_child(
        basics,
        LecturePage,
        "welcome-lecture",
        title="Welcome lecture",
        preview=True,
        intro="Meet your trainer and see how the course works.",
        body=json.dumps(
            [
                paragraph(
                    "<p>In this lecture we look at the course plan and the tools you will use.</p>"
                )
            ]
        ),
    )
    slides_lecture = ensure_child(
        basics,
        LecturePage,
        "digital-office-slides",
        title="Digital office basics · 信息化办公基础",
        intro="Step through the slides with ← and →; the text of every slide is below. 用方向键翻页。",
    )
    video_lecture = ensure_child(
        basics,
        LecturePage,
        "digital-office-video",
        title="Digital office basics, the video · 视频讲座",
        intro="The same slides as a video: the slide being talked about is shown beside it. "
        "视频与幻灯片同步播放。",
    )
    practice = ensure_child(course, CourseSectionPage, "practice", title="Part 2 · Practice 实践")
    ensure_child(
        practice,
        ArticlePage,
        "records-management",
        title="Records management in a small office",
        kind=ArticlePage.Kind.GUIDE,
        summary="Naming, filing and keeping records so anyone can find them.",
        body=json.dumps(
            [
                heading("Name files so they sort"),
                paragraph("<p>Start file names with the date: <b>2026-11-25 Minutes.docx</b>.</p>"),
                table(
                    [
                        ["Record", "Keep for"],
                        ["Minutes", "Permanently"],
                        ["Invoices", "7 years"],
                        ["Training records", "5 years"],
                    ],
                    "Retention",
                ),
            ]
        ),
        tags=["office skills", "records"],
    )

    safety = ensure_child(
        catalogue,
        CoursePage,
        "first-aid-basics",
        title="First aid basics",
        summary="What to do in the first minutes of an emergency at a branch event.",
        description="<p>Recognise an emergency, call for help, and give basic first aid.</p>",
        cover_image=cover_image("First aid cover", ("#a4161a", "#e5625e")),
        tags=["safety"],
        trainers=[users["trainer"]],
    )
    ensure_child(
        safety,
        ArticlePage,
        "recovery-position",
        title="The recovery position",
        kind=ArticlePage.Kind.THEORY,
        summary="How and when to put someone in the recovery position.",
        body=json.dumps(
            [
                paragraph(
                    "<p>If someone is unconscious but breathing, turn them on their side to keep the airway open.</p>"
                )
            ]
        ),
        tags=["safety"],
    )
    # The demo member takes the digital office course; first aid is left for them to join.
    Enrolment.objects.get_or_create(
        user=users["member"], course=course, defaults={"source": Enrolment.Source.ADMIN}
    )
    return {
        "catalogue": catalogue,
        "safety_course": safety,
        "course": course,
        "library": library,
        "users": users,
        "slides_lecture": slides_lecture,
        "video_lecture": video_lecture,
        "welcome_lecture": welcome_lecture,
    }
