"""How a page's prose is spread over its block elements: the tree that main_container climbs.

Built once from the prose blocks' ancestor chains, in work proportional to the elements that
hold prose (not to prose blocks times depth): each element's prose weight and block count are
summed bottom-up. Serial numbers are given in document order (pre-order), so a child's serial
is larger than its parent's, and "first seen while reading the page" is "smallest serial".
"""

from __future__ import annotations

from tandem.crawl.text.html_blocks import Block

ROOT_PARENT = -1


class ProseTree:
    def __init__(self, blocks: list[Block], prose: list[int]) -> None:
        own_weight: dict[int, int] = {}  # serial -> display width of the prose right inside it, links left out
        own_count: dict[int, int] = {}  # serial -> prose blocks right inside it (not in a child)
        parents: dict[int, int] = {}  # serial -> its parent's (ROOT_PARENT for the outermost)
        depth: dict[int, int] = {}  # serial -> its place in every ancestor chain that holds it
        children: dict[int, list[int]] = {}  # serial -> its children that hold prose
        total = 0
        for i in prose:
            block = blocks[i]
            chars = block.width - block.link_chars
            total += chars
            ancestors = block.ancestors
            level = len(ancestors) - 1
            serial = ancestors[level]
            if serial in own_count:
                own_weight[serial] += chars
                own_count[serial] += 1
                continue
            own_weight[serial] = chars
            own_count[serial] = 1
            while serial not in parents:
                depth[serial] = level
                if level == 0:
                    parents[serial] = ROOT_PARENT
                    break
                parent = ancestors[level - 1]
                parents[serial] = parent
                if parent in children:
                    children[parent].append(serial)
                else:
                    children[parent] = [serial]
                level -= 1
                serial = parent
        weight = {serial: own_weight.get(serial, 0) for serial in parents}
        count = {serial: own_count.get(serial, 0) for serial in parents}
        for serial in sorted(parents, reverse=True):  # children before their parents
            parent = parents[serial]
            if parent != ROOT_PARENT:
                weight[parent] += weight[serial]
                count[parent] += count[serial]
        self.weight = weight  # serial -> display width of the prose under it, links left out
        self.count = count  # serial -> prose blocks under it
        self.own_weight, self.own_count, self.parent, self.depth, self.children = (own_weight, own_count, parents,
                                                                                   depth, children)
        self.total = total

    def holds(self, block: Block, serial: int) -> bool:
        """Whether `serial` is one of the block's ancestors (its depth says where to look)."""
        depth = self.depth[serial]
        ancestors = block.ancestors
        return len(ancestors) > depth and ancestors[depth] == serial
