"""The one pass over the DOM that cuts a page's visible text into blocks (see html_blocks).

The pass rides lexbor's own depth-first traversal: it costs a fraction of following sibling
pointers from Python, and needs no recursion (broken pages nest thousands deep). The traversal
gives no closing tags, so an element whose end matters (a block, a link, a skipped subtree) is
tracked until the node that follows its subtree arrives, its `end`: its next sibling, or the
next sibling of its nearest ancestor that has one. Nodes are told apart by lexbor's tag id (an
integer; the tag's name is a new string each time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode, create_tag

from tandem.crawl.text.html_blocks import (
    BLOCK_TAGS,
    LINK,
    MAX_BLOCK_DEPTH,
    NOT_LINK,
    SELF_ANCHOR,
    SKIP_TAGS,
    Block,
    display_width,
)

# What the pass does with a node, by its tag id; other elements are inline (0).
_INLINE, _TEXT, _COMMENT, _SKIP, _ANCHOR, _BLOCK, _BREAK, _PRE = range(8)  # block kinds last
# What ends with a tracked element: its block, a skipped subtree, or else the link kind to go back to.
_CLOSE_BLOCK, _END_SKIP = -1, -2


def _kinds() -> tuple[dict[int, int], dict[int, str]]:
    """Node kind and block tag name by tag id. Known tags have fixed ids in lexbor (unknown ones
    get a per-document id, far above them), so ids taken from a node made here hold for every page."""
    sample = LexborHTMLParser("<!--c-->x").body
    assert sample is not None and sample.first_child is not None and sample.last_child is not None
    kinds = {sample.first_child.tag_id: _COMMENT, sample.last_child.tag_id: _TEXT}
    names: dict[int, str] = {}
    for name in SKIP_TAGS - {"-comment"}:
        kinds[create_tag(name).tag_id] = _SKIP
    for name in BLOCK_TAGS:
        tag_id = create_tag(name).tag_id
        kinds[tag_id] = {"br": _BREAK, "pre": _PRE}.get(name, _BLOCK)
        names[tag_id] = name
    kinds[create_tag("a").tag_id] = _ANCHOR
    return kinds, names


KINDS, BLOCK_NAMES = _kinds()
TEXT_ID = next(tag_id for tag_id, kind in KINDS.items() if kind == _TEXT)
_PRE_ID = create_tag("pre").tag_id


@dataclass
class WalkedPage:
    """What the walk gives the main-container search: the blocks, and the block elements they
    sit in by serial number (the page's root first): each one's tag, and its class attribute."""

    blocks: list[Block]
    tags: list[str]
    class_of: Callable[[int], str | None]


def python_walk(root: LexborNode, skipped: Iterable[LexborNode]) -> WalkedPage:
    """The walk in Python: the reference, and where the compiled walk (native_walk) is missing."""
    walker = BlockWalker()
    walker.walk_root(root, skipped)
    elements = walker.elements
    return WalkedPage(walker.blocks, walker.element_tags, lambda serial: elements[serial].attributes.get("class"))


class BlockWalker:
    """Cuts the visible text into blocks, skipping the given elements (chrome)."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.elements: list[LexborNode] = []  # the block elements, by serial number
        self.element_tags: list[str] = []  # their tags
        self._stack: list[int] = []
        self._tags: list[str] = []
        self._parts: list[str] = []
        self._link_chars = 0

    def walk_root(self, root: LexborNode, skipped: Iterable[LexborNode]) -> None:
        """Unlinks the `skipped` elements from the tree first (see `_unlink`), so the walk never
        meets them: chrome can be a third of a page's nodes."""
        _unlink(root, skipped)
        parts, stack, tags, elements = self._parts, self._stack, self._tags, self.elements
        kinds, flush = KINDS, self._flush
        self._open(root, root.tag or "body")
        # Tracked elements, innermost last: (end, what ends, mem_id); an end of None is the page's end.
        tracked: list[tuple[int | None, int, int]] = [(None, _CLOSE_BLOCK, root.mem_id)]
        end: int | None = None  # the innermost tracked element's
        link = NOT_LINK
        skipping = False
        nodes = root.traverse(include_text=True)
        next(nodes)  # the root itself
        for node in nodes:
            mem_id = node.mem_id
            while mem_id == end:
                closing = tracked.pop()[1]
                if closing == _CLOSE_BLOCK:
                    if parts:
                        flush()
                    stack.pop()
                    tags.pop()
                elif closing == _END_SKIP:
                    skipping = False
                else:
                    link = closing
                end = tracked[-1][0]
            if skipping:
                continue
            tag_id = node.tag_id
            if tag_id == TEXT_ID:  # half of all nodes
                text = node.text_content or ""
                if parts or not text.isspace():  # else indentation between blocks: nothing to flush later
                    parts.append(text)
                    if link == LINK:
                        self._link_chars += display_width(text.strip())
                continue
            kind = kinds.get(tag_id, _INLINE)
            if kind < _SKIP:  # an inline element or a comment
                continue
            if kind == _SKIP:
                end = _end_of(node, tracked)
                tracked.append((end, _END_SKIP, mem_id))
                skipping = True
            elif kind >= _BLOCK:
                if parts:
                    flush()
                if kind == _PRE:
                    self._open(node, "pre")
                    self._add_preformatted(node.text(deep=True) or "")
                    stack.pop()
                    tags.pop()
                    end = _end_of(node, tracked)
                    tracked.append((end, _END_SKIP, mem_id))
                    skipping = True
                elif kind == _BLOCK and len(stack) < MAX_BLOCK_DEPTH:
                    stack.append(len(elements))
                    elements.append(node)
                    tags.append(BLOCK_NAMES[tag_id])
                    self.element_tags.append(BLOCK_NAMES[tag_id])
                    end = _end_of(node, tracked)
                    tracked.append((end, _CLOSE_BLOCK, mem_id))
            elif link == NOT_LINK:  # an anchor
                kind = self._link_kind(node.attributes.get("href"))
                if kind != NOT_LINK:
                    end = _end_of(node, tracked)
                    tracked.append((end, link, mem_id))
                    link = kind
        while tracked:  # the page ends, and every element still open with it
            if tracked.pop()[1] == _CLOSE_BLOCK:
                if parts:
                    flush()
                stack.pop()
                tags.pop()

    def _link_kind(self, href: str | None) -> int:
        if not href:
            return NOT_LINK
        if href.startswith("#") and href[1:] in self._enclosing_ids():
            return SELF_ANCHOR
        return LINK

    def _enclosing_ids(self) -> set[str]:
        """Ids of the block element the text is in and of its parent block (a heading's id sits
        on the heading or on its section)."""
        return {self.elements[serial].attributes.get("id") or "" for serial in self._stack[-2:]}

    def _open(self, node: LexborNode, tag: str) -> None:
        self._stack.append(len(self.elements))
        self.elements.append(node)
        self._tags.append(tag)
        self.element_tags.append(tag)

    def _flush(self) -> None:
        parts = self._parts
        text = " ".join((parts[0] if len(parts) == 1 else "".join(parts)).split())
        if text:
            width = display_width(text)
            link_chars = self._link_chars
            self.blocks.append(Block(text, width, link_chars if link_chars < width else width, tuple(self._stack),
                                     self._tags[-1]))
        parts.clear()
        self._link_chars = 0

    def _add_preformatted(self, text: str) -> None:
        """One block per line, indentation kept (tabs as the page wrote them), blank lines left out."""
        ancestors = tuple(self._stack)
        for line in text.split("\n"):
            line = line.rstrip()
            if line:
                self.blocks.append(Block(line, display_width(line), 0, ancestors, "pre"))


def _unlink(root: LexborNode, nodes: Iterable[LexborNode]) -> None:
    """Takes each node (with its subtree) out of the tree. Nothing is freed: lexbor frees a
    document's nodes only with the document. The root stays, as does a node inside a `<pre>`,
    whose text is read whole."""
    root_id = root.mem_id
    for node in nodes:
        if node.mem_id == root_id:
            continue
        parent = node.parent
        while parent is not None and parent.tag_id != _PRE_ID:
            parent = parent.parent
        if parent is None:
            node.decompose(recursive=False)  # only unlinked, not destroyed, without `recursive`


def _end_of(node: LexborNode, tracked: list[tuple[int | None, int, int]]) -> int | None:
    """The mem_id of the node right after `node`'s subtree (None: the page's end). The innermost
    tracked element is an ancestor of `node` whose end is known: the climb stops there."""
    following = node.next
    while following is None:
        parent = node.parent
        if parent is None or parent.mem_id == tracked[-1][2]:
            return tracked[-1][0]
        node = parent
        following = node.next
    return following.mem_id
