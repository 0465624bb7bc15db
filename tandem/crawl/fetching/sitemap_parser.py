"""One sitemap file read as it streams in: XML (`<urlset>` or `<sitemapindex>`), gzip or text.

The formats of sitemaps.org (as Scrapy's SitemapSpider reads them): the `<loc>` of each `<url>`
or `<sitemap>`, whatever the namespace; a gzip file is unpacked on the fly; a text sitemap is
one URL per line. Limits hold while reading, so a gzip bomb stops at `max_bytes` of unpacked
XML and a file past `max_locs` stops there; what was read up to a limit or an XML error is kept.
XML that declares a DTD is refused before any entity could expand (no external entities, no
"billion laughs"). Pure: bytes in, URLs out, no I/O.
"""

from __future__ import annotations

import zlib
from xml.parsers import expat

URLSET, INDEX, TEXT = "urlset", "sitemapindex", "text"
MAX_LOCS = 50_000  # the protocol's limit per file
_UNPACK_CHUNK = 256 * 1024
_MAX_TEXT_LINE = 4096
_ENTRY_TAGS = frozenset({"url", "sitemap"})


class _Refused(Exception):
    """Raised inside an expat handler to stop the parse with a reason."""


class SitemapParser:
    def __init__(self, max_bytes: int, max_locs: int = MAX_LOCS) -> None:
        self.max_bytes = max_bytes
        self.max_locs = max_locs
        self.kind: str | None = None  # URLSET, INDEX or TEXT once known; None: not a sitemap
        self.locs: list[str] = []
        self.error: str | None = None  # why reading stopped early (what was read is kept)
        self.done = False
        self._size = 0
        self._head = b""
        self._unpack: zlib._Decompress | None = None
        self._started = False
        self._xml: expat.XMLParserType | None = None
        self._stack: list[str] = []
        self._loc_text: list[str] | None = None
        self._line = b""

    def feed(self, data: bytes) -> None:
        if self.done or not data:
            return
        if not self._started:
            self._head += data
            if len(self._head) < 2:
                return
            data, self._head = self._head, b""
            self._started = True
            if data[:2] == b"\x1f\x8b":
                self._unpack = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._unpack is None:
            self._take(data)
            return
        while data and not self.done:
            try:
                unpacked = self._unpack.decompress(data, _UNPACK_CHUNK)
            except zlib.error:
                self._stop("bad_gzip")
                return
            self._take(unpacked)
            data = self._unpack.unconsumed_tail

    def close(self) -> None:
        """The end of the body: finish what is pending (a last text line, the XML's end)."""
        if not self._started and self._head:
            self._started = True
            self._take(self._head)
        if self.done:
            return
        if self._xml is not None:
            self._parse_xml(b"", final=True)
        elif self.kind == TEXT:
            self._text_line(self._line)
        self.done = True

    def _stop(self, reason: str | None) -> None:
        if self.error is None:
            self.error = reason
        self.done = True

    def _take(self, data: bytes) -> None:
        self._size += len(data)
        if self._size > self.max_bytes:
            data = data[: len(data) - (self._size - self.max_bytes)]
        if self.kind is None and self._xml is None:
            stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
            if not stripped:
                return
            if stripped.startswith(b"<"):
                self._xml = self._new_xml_parser()
                data = stripped
            else:
                self.kind = TEXT
        if self._xml is not None:
            self._parse_xml(data, final=False)
        else:
            self._text_lines(data)
        if self._size > self.max_bytes:
            self._stop("too_large")

    def _new_xml_parser(self) -> expat.XMLParserType:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartDoctypeDeclHandler = self._refuse_dtd
        parser.EntityDeclHandler = self._refuse_dtd
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        parser.buffer_text = True
        return parser

    def _parse_xml(self, data: bytes, final: bool) -> None:
        assert self._xml is not None
        try:
            self._xml.Parse(data, final)
        except _Refused as exc:
            self._stop(str(exc))
        except expat.ExpatError:
            self._stop("bad_xml")

    def _refuse_dtd(self, *_args: object) -> None:
        raise _Refused("dtd")

    def _start(self, name: str, _attrs: dict[str, str]) -> None:
        local = name.rsplit(" ", 1)[-1]
        if not self._stack:
            if local not in (URLSET, INDEX):
                raise _Refused("not_a_sitemap")
            self.kind = local
        if local == "loc" and self._stack and self._stack[-1] in _ENTRY_TAGS:
            self._loc_text = []
        self._stack.append(local)

    def _chars(self, text: str) -> None:
        if self._loc_text is not None:
            self._loc_text.append(text)

    def _end(self, _name: str) -> None:
        self._stack.pop()
        if self._loc_text is not None:
            self._add("".join(self._loc_text).strip())
            self._loc_text = None

    def _text_lines(self, data: bytes) -> None:
        lines = (self._line + data).split(b"\n")
        self._line = lines.pop()[:_MAX_TEXT_LINE]
        for line in lines:
            self._text_line(line)

    def _text_line(self, line: bytes) -> None:
        url = line.strip().decode("utf-8", errors="replace")
        if url.startswith(("http://", "https://")):
            self._add(url)

    def _add(self, loc: str) -> None:
        if self.done or not loc:
            return
        self.locs.append(loc)
        if len(self.locs) >= self.max_locs:
            if self._xml is not None:
                raise _Refused("too_many_urls")
            self._stop("too_many_urls")
