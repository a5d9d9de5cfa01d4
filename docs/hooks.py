"""MkDocs hook: keep the course's notation visible on the built pages.

The docs and the docstrings write time steps the course's way, a<t>, x<t-1>, c<T_x>,
and tokens as <EOS> or <UNK>. Outside code spans, Markdown passes those through as raw
HTML, so a browser would read `<t>` as an unknown tag and show nothing. After each page
is converted (docstrings included), this escapes every `<…>` whose name is not an HTML
element, so it is displayed as written.
"""
from __future__ import annotations

import re

# HTML elements, and autoref: mkdocs-autorefs' placeholder, resolved after this hook.
HTML_ELEMENTS = frozenset((
    "a", "abbr", "address", "area", "article", "aside", "audio", "b", "base", "bdi", "bdo",
    "blockquote", "body", "br", "button", "canvas", "caption", "cite", "code", "col",
    "colgroup", "data", "datalist", "dd", "del", "details", "dfn", "dialog", "div", "dl",
    "dt", "em", "embed", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "i", "iframe", "img", "input",
    "ins", "kbd", "label", "legend", "li", "link", "main", "map", "mark", "menu", "meta",
    "meter", "nav", "noscript", "object", "ol", "optgroup", "option", "output", "p",
    "param", "picture", "pre", "progress", "q", "rp", "rt", "ruby", "s", "samp", "script",
    "search", "section", "select", "slot", "small", "source", "span", "strong", "style",
    "sub", "summary", "sup", "svg", "table", "tbody", "td", "template", "textarea",
    "tfoot", "th", "thead", "time", "title", "tr", "track", "u", "ul", "var", "video",
    "wbr", "path", "g", "defs", "use", "line", "rect", "circle", "polygon", "polyline",
    "text", "tspan", "autoref",
))

# "<" + a short run of anything but tag syntax + ">"; the name is what precedes
# an optional space-separated attribute list in a real tag.
PSEUDO_TAG = re.compile(r"<(/?)([^<>\s\"=/]{1,16})>")


def _escape(match: re.Match) -> str:
    slash, name = match.groups()
    if name.lower() in HTML_ELEMENTS:
        return match.group(0)
    return f"&lt;{slash}{name}&gt;"


def escape_notation(html: str) -> str:
    """`a<t>` → `a&lt;t&gt;` for every pseudo-tag, real HTML elements untouched."""
    return PSEUDO_TAG.sub(_escape, html)


def on_page_content(html: str, **kwargs) -> str:
    return escape_notation(html)
