"""Which of a page's blocks are its main text: the main container, without trusting names.

1. Usable blocks: not link-dense, and not too short — a length measured in display width (a
   Japanese letter counts two, so four Japanese letters pass where eight ASCII letters are
   needed), except headings, table cells, definition terms and descriptions, list items,
   captions and lines of code, which are kept whatever their length.
2. A label that only introduces a dropped link list (a "関連記事" heading over related links)
   goes with the list.
3. The container is the deepest element holding at least `container_share` of the page's
   prose (usable blocks of `content_block_chars` or more, headings aside). Then it widens:
   while the parent holds other prose in content-like siblings — paragraphs, lists and their
   items, code, headings, sections, the other parts of the same table, elements of the same tag and class
   as the one it climbs from (the sibling sections of a manual's chapter), or any element with
   two paragraphs of prose or more and a fifth of the container's prose — the parent is taken,
   so the introduction and the sections before and after the densest one are kept, with what
   sits among them (footnotes, notes, examples). A layout cell next to it (a sidebar `<td>`)
   stops the widening, and so does prose found only in small siblings of another kind (a
   share box or the post's date line beside the article body).
4. The heading right before the container, with no usable block between, is its title.
5. Link-only blocks inside the container that belong to its text come back: table cells in a
   row with a cell of text, index terms before their description, short flat labelled lists
   ("see also"). Link density still drops navigation everywhere else.
"""

from __future__ import annotations

import re

from tandem.crawl.text.block_walker import WalkedPage
from tandem.crawl.text.html_blocks import HEADING_TAGS, Block
from tandem.crawl.text.prose_tree import ROOT_PARENT, ProseTree

# Blocks kept whatever their length: short is normal for them.
SHORT_KEPT_TAGS = frozenset({*HEADING_TAGS, "dt", "dd", "td", "th", "li", "caption", "figcaption", "summary",
                             "legend", "pre"})
# Siblings of the container that are parts of the same text (an item or a term of a list is
# part of its list).
CONTENT_TAGS = frozenset({*HEADING_TAGS, "p", "pre", "blockquote", "ul", "ol", "dl", "li", "dt", "dd", "figure",
                          "section", "article", "address", "hr"})
TABLE_PARTS = frozenset({"thead", "tbody", "tfoot", "caption"})
# A sibling of another kind with this many paragraphs of prose, and this share of the
# container's prose, is more of the text (Javadoc's summary and details beside its description),
# not a box beside it (share buttons, the post's date, a keyboard-shortcut help popup).
MIN_SIBLING_PARAGRAPHS = 2
MIN_SIBLING_SHARE = 0.2
# A labelled list of links this short inside the main text is a "see also" list, not a menu.
MAX_SEE_ALSO_ITEMS = 12
# Labels of lists of the site's other posts (a blog template's, even inside the post's body).
ARTICLE_LIST_LABEL = re.compile(
    r"記事|投稿|エントリー|ランキング|人気|おすすめ|新着|posts|articles|popular|recent|trending", re.IGNORECASE)


def select_main_blocks(page: WalkedPage, min_block_chars: int, content_block_chars: int, max_link_density: float,
                       container_share: float) -> list[int]:
    """Indexes (in page order) of the blocks that form the main text."""
    blocks = page.blocks
    # link_chars is at most the width, so a block with link text has a width.
    dense = [b.link_chars != 0 and b.link_chars / b.width > max_link_density for b in blocks]
    usable = [i for i, b in enumerate(blocks) if not dense[i] and (
        b.tag in SHORT_KEPT_TAGS or b.width >= min_block_chars)]
    last = len(blocks) - 1
    usable = [i for i in usable if i == last or not dense[i + 1]
              or not _is_label(blocks[i], content_block_chars)]
    prose = [i for i in usable
             if blocks[i].tag not in HEADING_TAGS and blocks[i].width >= content_block_chars]
    if not prose:
        return usable
    tree = ProseTree(blocks, prose)
    container = _densest(tree, container_share)
    container = _widen(tree, page, container)
    chosen = sorted({*(i for i in usable if tree.holds(blocks[i], container)),
                     *_linked_content(blocks, dense, tree, container, content_block_chars)})
    # The heading right before the container names its text (a title above the article body).
    before = [i for i in usable if i < chosen[0]]
    if before and blocks[before[-1]].tag in HEADING_TAGS:
        chosen.insert(0, before[-1])
    return chosen


def _linked_content(blocks: list[Block], dense: list[bool], tree: ProseTree, container: int,
                    content_block_chars: int) -> list[int]:
    """Link-dense blocks inside the container that are part of its text, not navigation: a
    table cell whose row has a cell of text (a package name beside its description), a term
    whose description follows (an index entry), and the items of a short flat list introduced
    by a label (a "see also" list), with that label. Tables of contents are nested, long, or
    unlabelled, and navigation sits outside the container: those still go."""
    inside = [i for i, block in enumerate(blocks) if dense[i] and tree.holds(block, container)
              and len(block.ancestors) >= 2]
    if not inside:
        return []
    text_rows = {blocks[i].ancestors[-2] for i, block in enumerate(blocks)
                 if not dense[i] and block.tag in ("td", "th") and len(block.ancestors) >= 2}
    kept: list[int] = []
    lists: dict[int, list[int]] = {}
    for i in inside:
        block = blocks[i]
        parent = block.ancestors[-2]
        cell_of_text_row = block.tag in ("td", "th") and parent in text_rows
        described_term = block.tag == "dt" and i + 1 < len(blocks) and blocks[i + 1].tag == "dd" and not dense[i + 1]
        if cell_of_text_row or described_term:
            kept.append(i)
        elif block.tag == "li":
            lists.setdefault(parent, []).append(i)
    for items in lists.values():
        kept += _see_also_list(blocks, dense, items, container, content_block_chars)
    return kept


def _see_also_list(blocks: list[Block], dense: list[bool], items: list[int], container: int,
                   content_block_chars: int) -> list[int]:
    """The items (and their label) of a short, flat, labelled list of links."""
    first, last = items[0], items[-1]
    parent = blocks[first].ancestors[-2]
    members = [i for i in range(first, last + 1) if parent in blocks[i].ancestors]
    # A member right inside the list's parent, not in an item, may have no grandparent (items
    # right in <body>, text between them): that list is not flat either.
    if len(items) > MAX_SEE_ALSO_ITEMS or any(len(blocks[i].ancestors) < 2 or blocks[i].ancestors[-2] != parent
                                              for i in members):
        return []  # long or nested: a table of contents
    label = first - 1
    if label < 0 or dense[label] or container not in blocks[label].ancestors:
        return []
    if not (blocks[label].tag in HEADING_TAGS or blocks[label].width < content_block_chars):
        return []
    if ARTICLE_LIST_LABEL.search(blocks[label].text):
        return []  # "関連記事", "人気の記事": other posts of the site, not this text's references
    return [label, *members]


def _is_label(block: Block, content_block_chars: int) -> bool:
    """A heading or a short line: dropped with the link list right after it (see step 2)."""
    return block.tag in HEADING_TAGS or (block.tag not in SHORT_KEPT_TAGS and block.width < content_block_chars)


def _densest(tree: ProseTree, container_share: float) -> int:
    """The deepest element with enough of the prose; the heavier, then the first, of equals."""
    enough = [serial for serial, weight in tree.weight.items() if weight >= container_share * tree.total]
    return max(enough, key=lambda serial: (tree.depth[serial], tree.weight[serial], -serial))


def _widen(tree: ProseTree, page: WalkedPage, container: int) -> int:
    """Climb while the parent holds more text beside the container; levels that add no prose
    are climbed through only when a level above them confirms the climb."""
    confirmed = candidate = container
    container_weight = tree.weight[container]
    while True:
        parent = tree.parent[candidate]
        if parent == ROOT_PARENT:
            return confirmed
        # The parent's other children with prose, and prose right inside it (None), with the
        # number and the weight of their prose blocks.
        siblings: list[tuple[int | None, int, int]] = [(child, tree.count[child], tree.weight[child])
                                                       for child in tree.children[parent] if child != candidate]
        if parent in tree.own_count:
            siblings.append((None, tree.own_count[parent], tree.own_weight[parent]))
        kinds = [_sibling_kind(page, sibling, candidate,
                               paragraphs >= MIN_SIBLING_PARAGRAPHS and weight >= MIN_SIBLING_SHARE * container_weight)
                 for sibling, paragraphs, weight in siblings]
        if "layout" in kinds or ("other" in kinds and "content" not in kinds):
            return confirmed
        candidate = parent
        if "content" in kinds:
            confirmed = parent


def _sibling_kind(page: WalkedPage, sibling: int | None, child: int, body_of_text: bool) -> str:
    """"content" (part of the same text), "layout" (another cell of a layout table) or "other",
    for a sibling of `child`, the element the widening climbs from."""
    if sibling is None:  # text right inside the parent, between its blocks
        return "content"
    tag, reference = page.tags[sibling], page.tags[child]
    if tag in CONTENT_TAGS:
        return "content"
    if tag in ("td", "th"):
        return "layout"
    if tag in TABLE_PARTS:  # the head, body and foot of a data table are one text
        return "content" if reference in TABLE_PARTS else "other"
    if body_of_text:  # not a one-line box
        return "content"
    classes = page.class_of(sibling)
    same = tag == reference and bool(classes) and classes == page.class_of(child)
    return "content" if same else "other"
