"""Read help articles (Markdown, HTML, plain text) into titled sections with character offsets.

Every block of text keeps where it came from: the file, the heading path, and `start`/`end`
offsets into the decoded file text. For Markdown and plain text `file_text[start:end]` is exactly
the block's text; for HTML it is the source span (tags and entities included) the text came from.

Markdown is parsed with markdown-it-py (CommonMark), HTML with the standard library's
`html.parser`. Plain text has no markup, so a heading is a short line standing alone between
blank lines (or underlined with `===`/`---`), and paragraphs are separated by blank lines.

A file that cannot be used (empty, binary, not UTF-8, too large, no headings, unsupported type) is
not an error for the whole run: it becomes a `Skip` with a one-line reason that the report lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from toolkit.core.errors import UserInputError

MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
TEXT_SUFFIXES = (".txt",)
SUPPORTED_SUFFIXES = MARKDOWN_SUFFIXES + HTML_SUFFIXES + TEXT_SUFFIXES
MAX_ARTICLE_BYTES = 1_048_576  # one help article; a larger file is almost always an export or a dump
_BINARY_PROBE = 8192


@dataclass(frozen=True)
class Block:
    """A paragraph or list item of a section; `start`/`end` are offsets into the file text."""

    text: str
    start: int
    end: int
    kind: str = "paragraph"  # paragraph | item | step (an ordered-list item)
    source_map: tuple[int, ...] | None = None  # HTML: file offset of each character of `text`

    def offset(self, index: int) -> int:
        """File offset of the character at `index` of `text` (`index == len(text)`: just past the end)."""
        if self.source_map is None:
            return self.start + index
        if index >= len(self.source_map):
            return self.end
        return self.source_map[index]


@dataclass
class Section:
    """A heading and the blocks under it (up to the next heading of any level)."""

    article_id: str
    file: str
    title: str
    path: tuple[str, ...]  # heading titles from the article's top heading down to this one
    level: int
    heading_start: int
    blocks: list[Block] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.article_id}#{slug('-'.join(self.path[1:]) or self.title)}"

    @property
    def heading(self) -> str:
        return " > ".join(self.path)

    @property
    def start(self) -> int:
        return self.blocks[0].start if self.blocks else self.heading_start

    @property
    def end(self) -> int:
        return self.blocks[-1].end if self.blocks else self.heading_start

    @property
    def passage(self) -> str:
        """The section's text as a retriever would return it."""
        return "\n\n".join(block.text for block in self.blocks)


@dataclass
class Article:
    id: str
    file: str
    title: str
    format: str
    text: str
    sections: list[Section]


@dataclass(frozen=True)
class Skip:
    """A file (or part of one) left out, with why: reported, never silent."""

    file: str
    reason: str
    section: str | None = None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


# ---------------------------------------------------------------- discovery and decoding
def discover(paths: list[Path]) -> list[Path]:
    """Files named, and every file under folders named (sorted); a missing path is a user error."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise UserInputError(str(path), "no such file or folder")
    return found


def decode_article(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> str | Skip:
    """The file's text, or a Skip saying why it cannot be an article."""
    shown = str(path)
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return Skip(shown, f"unsupported file type '{path.suffix or '(none)'}'; use {', '.join(SUPPORTED_SUFFIXES)}")
    size = path.stat().st_size
    if size > max_bytes:
        return Skip(shown, f"file is {size:,} bytes, over the {max_bytes:,}-byte limit for one article")
    raw = path.read_bytes()
    if b"\x00" in raw[:_BINARY_PROBE]:
        return Skip(shown, "binary file (NUL bytes), not a text article")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Skip(shown, f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start}; re-save the file as UTF-8")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return Skip(shown, "empty file")
    return text


def read_article(path: Path, max_bytes: int = MAX_ARTICLE_BYTES) -> Article | Skip:
    """Parse one file into sections; a Skip when it has none."""
    decoded = decode_article(path, max_bytes)
    if isinstance(decoded, Skip):
        return decoded
    text = decoded
    suffix = path.suffix.lower()
    article_id = slug(path.stem)
    if suffix in MARKDOWN_SUFFIXES:
        fmt, sections = "markdown", _markdown_sections(text, article_id, str(path))
    elif suffix in HTML_SUFFIXES:
        fmt, sections = "html", _html_sections(text, article_id, str(path))
    else:
        fmt, sections = "text", _text_sections(text, article_id, str(path))
    if not sections:
        return Skip(str(path), "no headings: an article needs at least one heading with text under it")
    title = sections[0].path[0]
    return Article(id=article_id, file=str(path), title=title, format=fmt, text=text, sections=sections)


# ---------------------------------------------------------------- shared section building
class _Outline:
    """Turns a stream of headings and blocks into sections with heading paths."""

    def __init__(self, article_id: str, file: str):
        self.article_id, self.file = article_id, file
        self.stack: list[tuple[int, str]] = []
        self.sections: list[Section] = []
        self.current: Section | None = None

    def heading(self, level: int, title: str, start: int) -> None:
        title = " ".join(title.split())
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))
        self.current = Section(
            self.article_id, self.file, title, tuple(t for _, t in self.stack), level, start
        )
        self.sections.append(self.current)

    def block(self, block: Block) -> None:
        if self.current is not None and block.text.strip():
            self.current.blocks.append(block)

    def result(self) -> list[Section]:
        kept = [s for s in self.sections if s.blocks]
        seen: dict[str, int] = {}
        for section in kept:  # two sections with the same heading path get distinct ids
            count = seen.get(section.id, 0)
            seen[section.id] = count + 1
            if count:
                section.path = (*section.path[:-1], f"{section.path[-1]} ({count + 1})")
        return kept


def _line_offsets(text: str) -> list[int]:
    offsets = [0]
    for match in re.finditer("\n", text):
        offsets.append(match.end())
    offsets.append(len(text))
    return offsets


# ---------------------------------------------------------------- Markdown (markdown-it-py)
def _markdown_sections(text: str, article_id: str, file: str) -> list[Section]:
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    lines = _line_offsets(text)
    outline = _Outline(article_id, file)
    list_kinds: list[str] = []
    in_heading: int | None = None
    for token in tokens:
        if token.type == "heading_open":
            in_heading = int(token.tag[1])
        elif token.type == "heading_close":
            in_heading = None
        elif token.type in ("ordered_list_open", "bullet_list_open"):
            list_kinds.append("step" if token.type == "ordered_list_open" else "item")
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            list_kinds.pop()
        elif token.type == "inline" and token.map is not None:
            span_start = lines[token.map[0]]
            if in_heading is not None:
                outline.heading(in_heading, _plain_inline(token), span_start)
                continue
            content = token.content
            found = text.find(content, span_start)
            if found < 0 or found > lines[min(token.map[1], len(lines) - 1)]:
                # continuation lines lost their indentation in `content`: point at the source lines
                found, end = span_start, lines[min(token.map[1], len(lines) - 1)]
                content = text[found:end].strip()
                found = text.find(content, span_start)
                end = found + len(content)
            else:
                end = found + len(content)
            outline.block(Block(content, found, end, list_kinds[-1] if list_kinds else "paragraph"))
    return outline.result()


def _plain_inline(token: object) -> str:
    """A heading's text without inline markup (emphasis, links, code)."""
    children = getattr(token, "children", None) or []
    parts = [child.content for child in children if child.type in ("text", "code_inline")]
    return "".join(parts) or getattr(token, "content", "")


# ---------------------------------------------------------------- HTML (html.parser)
_HTML_BLOCKS = {"p", "li", "dd", "dt", "td", "th", "blockquote", "pre", "div", "section", "article"}
_HTML_SKIP = {"script", "style", "template", "noscript", "head", "nav", "footer"}


class _HTMLSections(HTMLParser):
    def __init__(self, text: str, article_id: str, file: str):
        super().__init__(convert_charrefs=True)
        self.source = text
        self.lines = _line_offsets(text)
        self.outline = _Outline(article_id, file)
        self.skip_depth = 0
        self.heading_level: int | None = None
        self.lists: list[str] = []
        self.chunks: list[tuple[str, int]] = []  # text pieces of the open block, with source offsets
        self.block_kind = "paragraph"
        self.block_start: int | None = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def _flush(self, end: int) -> None:
        pieces, self.chunks = self.chunks, []
        start = self.block_start
        self.block_start = None
        chars: list[str] = []
        positions: list[int] = []
        for piece, offset in pieces:
            for char, position in zip(piece, _align(piece, self.source, offset), strict=True):
                if char.isspace():
                    if not chars or chars[-1] == " ":
                        continue
                    char = " "
                chars.append(char)
                positions.append(position)
        while chars and chars[-1] == " ":
            chars.pop()
            positions.pop()
        text = "".join(chars)
        if not text or start is None:
            return
        if self.heading_level is not None:
            self.outline.heading(self.heading_level, text, positions[0])
        else:
            last = positions[-1] + 1
            self.outline.block(Block(text, positions[0], min(last, end), self.block_kind, tuple(positions)))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_SKIP:
            self.skip_depth += 1
            return
        if tag in ("ul", "ol"):
            self.lists.append("step" if tag == "ol" else "item")
        if re.fullmatch(r"h[1-6]", tag) or tag in _HTML_BLOCKS:
            self._flush(self._offset())
            self.block_start = self._offset()
            self.heading_level = int(tag[1]) if tag[0] == "h" and tag[1:].isdigit() else None
            self.block_kind = (self.lists[-1] if self.lists else "item") if tag == "li" else "paragraph"
        elif tag == "br":
            self.chunks.append((" ", self._offset()))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
            return
        if re.fullmatch(r"h[1-6]", tag) or tag in _HTML_BLOCKS:
            self._flush(self._offset())
            self.heading_level = None
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        if self.block_start is None:
            self.block_start = self._offset()
        self.chunks.append((data, self._offset()))

    def close(self) -> None:
        super().close()
        self._flush(len(self.source))


def _align(piece: str, source: str, offset: int) -> list[int]:
    """File offset of each character of a decoded text chunk (`&amp;` decodes to one character)."""
    positions, cursor = [], offset
    for char in piece:
        positions.append(cursor)
        if cursor < len(source) and source[cursor] == "&" and char != "&" or source.startswith("&amp;", cursor):
            end = source.find(";", cursor, cursor + 12)
            cursor = end + 1 if end > 0 else cursor + 1
        else:
            cursor += 1
    return positions


def _html_sections(text: str, article_id: str, file: str) -> list[Section]:
    parser = _HTMLSections(text, article_id, file)
    parser.feed(text)
    parser.close()
    return parser.outline.result()


# ---------------------------------------------------------------- plain text
_UNDERLINE = re.compile(r"^(=+|-+)\s*$")
_SENTENCE_END = (".", ",", ";", ":", "!", "?")


def _text_sections(text: str, article_id: str, file: str) -> list[Section]:
    """Paragraphs separated by blank lines; a paragraph of one short line without end punctuation
    (or one line underlined with === / ---) is a heading. The first heading is the article's title."""
    outline = _Outline(article_id, file)
    for match in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        raw = match.group(0)
        start = match.start() + (len(raw) - len(raw.lstrip()))
        body = raw.strip()
        end = start + len(body)
        lines = body.split("\n")
        if len(lines) >= 2 and _UNDERLINE.match(lines[1].strip()):
            outline.heading(1 if lines[1].strip()[0] == "=" else 2, lines[0], start)
            rest = body.split("\n", 2)[2] if len(lines) > 2 else ""
            if rest.strip():
                rest_start = start + body.index(rest) + (len(rest) - len(rest.lstrip()))
                outline.block(Block(rest.strip(), rest_start, rest_start + len(rest.strip())))
        elif (
            len(lines) == 1 and len(body) <= 80 and not body.endswith(_SENTENCE_END)
            and body[:1].isalnum() and not re.match(r"\d+[.)]\s", body)
        ):
            outline.heading(1 if not outline.stack else 2, body, start)
        else:
            kind = "step" if re.match(r"\d+[.)]\s", body) else "item" if re.match(r"[-*•]\s", body) else "paragraph"
            outline.block(Block(body, start, end, kind))
    return outline.result()
