"""The demo lecture's deck, built with python-pptx: English and Chinese text, bullets at three
levels, speaker notes, a table, pictures and one hidden slide (14 slides)."""

import io
from pathlib import Path

from PIL import Image, ImageDraw
from pptx import Presentation
from pptx.util import Inches, Pt

SLIDES = [
    (
        "Welcome · 欢迎",
        ["Digital office basics", "机关信息化建设基础"],
        "Introduce yourself and the plan for today. 介绍今天的安排。",
    ),
    (
        "Why go digital? 为什么要信息化",
        [
            "Find documents in seconds",
            ["Search instead of shelves", "One copy, many readers"],
            "提高工作效率",
        ],
        "Ask the room how long it took them to find the last minutes.",
    ),
    (
        "What is e-government? 什么是电子政务",
        [
            "Public services online",
            ["Forms", ["Submit from home"], "Payments"],
            "电子政务：网上办事",
        ],
        "Use a local example of an online service.",
    ),
    (
        "Document lifecycle",
        ["Draft", "Review and approve", "Publish", "Archive"],
        "Each step has an owner.",
    ),
    (
        "公文处理流程",
        ["起草", ["明确主题", "规范格式"], "审核", "签发", "归档"],
        "强调每一步都要留痕。",
    ),
    (
        "Naming files",
        ["Date first: 2026-11-25", "Short, specific titles", "No spaces at the end"],
        "Show a messy folder, then the tidy one.",
    ),
    ("Retention table · 保存期限", None, "Walk through the table row by row."),
    (
        "Security basics 安全保密",
        [
            "Lock your screen",
            "Strong passwords",
            ["Long beats complex"],
            "不要通过聊天软件传送涉密文件",
        ],
        "Mention the data protection policy in the library.",
    ),
    (
        "Sharing safely",
        ["Share links, not attachments", "Set an expiry date", "Check who can see it"],
        "",
    ),
    (
        "A picture of the workflow",
        ["From paper to portal"],
        "The picture shows the old and new way side by side.",
    ),
    (
        "Trainer's spare slide",
        ["Only shown when time allows"],
        "This slide is hidden in PowerPoint.",
    ),
    (
        "Exercise · 练习",
        ["Rename five files", "按规范重新命名五个文件", "Compare with a partner"],
        "Give them ten minutes.",
    ),
    (
        "Summary 小结",
        ["Consistent names", "Clear owners", "Safe sharing", "信息化让工作更高效"],
        "Ask for one thing each person will change.",
    ),
    ("Questions? 提问", ["training@example.com"], "Leave time for questions."),
]
TABLE = [
    ["Record 记录", "Keep for 保存期限"],
    ["Minutes 会议纪要", "Permanently 永久"],
    ["Invoices 发票", "7 years 7年"],
    ["Training records 培训记录", "5 years 5年"],
]
HIDDEN = {11}


def _picture() -> bytes:
    img = Image.new("RGB", (800, 450), (232, 241, 251))
    draw = ImageDraw.Draw(img)
    draw.rectangle([40, 120, 340, 330], fill=(200, 200, 200), outline=(90, 90, 90), width=4)
    draw.polygon([(380, 200), (440, 225), (380, 250)], fill=(11, 92, 173))
    draw.rectangle([470, 120, 770, 330], fill=(11, 92, 173), outline=(8, 71, 131), width=4)
    for i in range(5):
        draw.line([(70, 160 + i * 30), (310, 160 + i * 30)], fill=(120, 120, 120), width=6)
        draw.line([(500, 160 + i * 30), (740, 160 + i * 30)], fill=(255, 255, 255), width=6)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _add_bullets(frame, items, level=0, first=True):
    for item in items:
        if isinstance(item, list):
            first = _add_bullets(frame, item, level + 1, first)
            continue
        para = frame.paragraphs[0] if first else frame.add_paragraph()
        para.text = item
        para.level = level
        first = False
    return first


def build_demo_deck(path: str | Path) -> Path:
    """Write the demo deck to ``path``."""
    prs = Presentation()
    prs.core_properties.title = "Digital office basics"
    for number, (title, bullets, notes) in enumerate(SLIDES, start=1):
        layout = prs.slide_layouts[0 if number == 1 else 5 if bullets is None else 1]
        slide = prs.slides.add_slide(layout)
        slide.shapes.title.text = title
        if number == 1:
            slide.placeholders[1].text = "\n".join(bullets)
        elif bullets is None:
            rows, cols = len(TABLE), len(TABLE[0])
            table = slide.shapes.add_table(
                rows, cols, Inches(0.75), Inches(2), Inches(8.5), Inches(3.5)
            ).table
            for r, row in enumerate(TABLE):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
                    table.cell(r, c).text_frame.paragraphs[0].runs[0].font.size = Pt(20)
        else:
            body = slide.placeholders[1]
            if number == 10:
                body.width = Inches(4.5)
            _add_bullets(body.text_frame, bullets)
        if number == 10:
            picture = slide.shapes.add_picture(
                io.BytesIO(_picture()), Inches(5.2), Inches(2.2), width=Inches(4.3)
            )
            picture._element.nvPicPr.cNvPr.set(
                "descr", "Paper files on the left, the online portal on the right"
            )
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        if number in HIDDEN:
            slide._element.set("show", "0")
    path = Path(path)
    prs.save(path)
    return path
