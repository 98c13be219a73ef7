"""Markdown from case text to safe HTML: markdown-it-py renders, nh3 sanitises by allow-list."""
from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML in the source is escaped by markdown-it ("html": False); nh3 then keeps only
# these tags and attributes, so no script, event handler, style or hx-* attribute survives.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4",
         "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _md.render(text)
    # Headings inside a case start at h3: the page already has h1 and section h2s.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", f"<h{level + 2}>").replace(f"</h{level}>",
                                                                   f"</h{level + 2}>")
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                      url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)


_LIST_ITEM = re.compile(r"^(\s*)[-*+]\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<!\w)([*_])(\S(?:.*?\S)?)\3(?!\w)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.MULTILINE)
_CODE = re.compile(r"`([^`]*)`")


def markdown_as_text(text: str | None) -> str:
    """Case text for a spreadsheet cell, read by people: list items as "•", no ** or #.

    A cell starting "- " would also need a leading apostrophe against formula injection
    (knowledge.reports.followup), which is how lists used to look in exports.
    """
    if not text:
        return ""
    text = _LIST_ITEM.sub(lambda m: f"{m.group(1)}• ", text)
    text = _HEADING.sub("", text)
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = _CODE.sub(r"\1", text)
    return _EMPHASIS.sub(lambda m: m.group(2) or m.group(4), text)
