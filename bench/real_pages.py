"""Real HTML pages for the source benchmarks: Debian's documentation packages, fetched by this
set-up with `apt-get download` and unpacked (HTML files only) under data/bench-cache/ (never
committed). Japanese: the Japanese translations of the Debian Reference and Developer's
Reference, the GIMP, LibreOffice, LilyPond and KiCad manuals. Not Japanese: Python's own
documentation, the Debian Reference in English, German, French and Chinese, the GIMP manual in
Korean, Russian, Chinese and German, LilyPond's Chinese pages.

The web is not all UTF-8 with honest declarations, so pages are also served as the web serves
them, deterministically by name: some Japanese pages in Shift_JIS or EUC-JP (declared, or not
declared at all), some under a template's lying `lang="en"`; some Chinese, Korean, Russian and
German pages in their legacy encodings. `write_warc` and `write_wet` build WARC and WET files
from them with warcio.
"""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "data" / "bench-cache" / "debian-docs"
JAPANESE_PACKAGES = ("debian-reference-ja", "developers-reference-ja", "gimp-help-ja", "libreoffice-help-ja",
                     "lilypond-doc-html-ja", "kicad-doc-ja")
OTHER_PACKAGES = {  # package: language
    "python3-doc": "en", "debian-reference-en": "en", "developers-reference": "en",
    "debian-reference-de": "de", "debian-reference-fr": "fr", "debian-reference-zh-cn": "zh",
    "gimp-help-ko": "ko", "gimp-help-ru": "ru", "gimp-help-zh-cn": "zh", "gimp-help-de": "de",
    "lilypond-doc-html-zh": "zh",
}
LEGACY = {"zh": ("gb18030", "GB18030"), "ko": ("euc_kr", "EUC-KR"), "ru": ("cp1251", "windows-1251"),
          "de": ("cp1252", "ISO-8859-1"), "fr": ("cp1252", "ISO-8859-1"), "en": ("cp1252", "ISO-8859-1")}
_CHARSET_DECL = re.compile(r"(charset\s*=\s*[\"']?|encoding\s*=\s*[\"'])utf-8", re.IGNORECASE)
_META_CHARSET = re.compile(r"<meta[^>]*charset[^>]*>", re.IGNORECASE)
_XML_DECL = re.compile(r"<\?xml[^>]*\?>")
_LANG = re.compile(r"(<html[^>]*?)\s(?:xml:)?lang=[\"'][^\"']*[\"']", re.IGNORECASE)


@dataclass
class RealPage:
    package: str
    language: str  # the package's language: "ja" or another code
    name: str  # path inside the package
    body: bytes  # as served (maybe re-encoded)
    content_type: str  # as the HTTP header says
    variant: str  # utf8, sjis_declared, eucjp_declared, sjis_undeclared, lang_en, legacy_declared, ...
    html: str  # the page as written (decoded from its UTF-8 original): the reference for recall
    content_language: str | None = None

    @property
    def url(self) -> str:
        return f"https://{self.package}.docs.example/{self.name}"


def fetch_packages(cache: Path = CACHE, packages: tuple[str, ...] = (*JAPANESE_PACKAGES, *OTHER_PACKAGES)
                   ) -> dict[str, Path]:
    """package -> folder of its unpacked HTML files (downloaded once, then reused)."""
    cache.mkdir(parents=True, exist_ok=True)
    names = [_resolve_python_doc() if p == "python3-doc" else p for p in packages]
    folders = {}
    for logical, name in zip(packages, names, strict=True):
        folder = cache / name
        if not (folder / ".unpacked").exists():
            debs = list(cache.glob(f"{name}_*.deb"))
            if not debs:
                print(f"  set-up: apt-get download {name}", file=sys.stderr, flush=True)
                subprocess.run(["apt-get", "download", "-q", name], cwd=cache, check=True, capture_output=True)
                debs = list(cache.glob(f"{name}_*.deb"))
            folder.mkdir(exist_ok=True)
            tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(debs[0])], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(folder), "--wildcards", "*.html", "*.htm"], input=tar,
                           check=False, capture_output=True)
            (folder / ".unpacked").touch()
            debs[0].unlink()  # the HTML is all the benchmarks read
        folders[logical] = folder
    return folders


def _resolve_python_doc() -> str:
    """python3-doc is a metapackage; the HTML is in python3.X-doc."""
    shown = subprocess.run(["apt-cache", "depends", "python3-doc"], check=True, capture_output=True, text=True).stdout
    match = re.search(r"Depends: (python3\.\d+-doc)", shown)
    if match is None:
        raise SystemExit("real_pages: cannot find the python3.X-doc package behind python3-doc")
    return match.group(1)


def load_pages(cache: Path = CACHE) -> list[RealPage]:
    pages = []
    for package, folder in fetch_packages(cache).items():
        language = "ja" if package in JAPANESE_PACKAGES else OTHER_PACKAGES[package]
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in (".html", ".htm") and path.is_file():
                body = path.read_bytes()
                if body.strip():
                    pages.append(_as_served(package, language, str(path.relative_to(folder)), body))
    return pages


def _as_served(package: str, language: str, name: str, body: bytes) -> RealPage:
    bucket = int(hashlib.sha1(f"{package}/{name}".encode()).hexdigest(), 16) % 10
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return RealPage(package, language, name, body, "text/html", "original", body.decode("latin-1"))
    if language == "ja":
        if bucket == 6:
            return _reencode(package, language, name, text, "cp932", "Shift_JIS", "sjis_declared")
        if bucket == 7:
            return _reencode(package, language, name, text, "euc_jp", "EUC-JP", "eucjp_declared")
        if bucket == 8:
            return _reencode(package, language, name, text, "cp932", None, "sjis_undeclared")
        if bucket == 9:
            lied = _LANG.sub(r"\1", text).replace("<html", '<html lang="en"', 1)
            return RealPage(package, language, name, lied.encode("utf-8"), "text/html; charset=utf-8", "lang_en",
                            text, content_language="en")
    elif bucket in (0, 1):
        codec, label = LEGACY[language]
        return _reencode(package, language, name, text, codec, label, "legacy_declared")
    elif bucket == 2:
        codec, _ = LEGACY[language]
        return _reencode(package, language, name, text, codec, None, "legacy_undeclared")
    return RealPage(package, language, name, body, "text/html; charset=utf-8", "utf8", text)


def _reencode(package: str, language: str, name: str, text: str, codec: str, label: str | None,
              variant: str) -> RealPage:
    original = text
    if label is None:
        text = _XML_DECL.sub("", _META_CHARSET.sub("", text))
        content_type = "text/html"
    else:
        text = _CHARSET_DECL.sub(lambda m: m.group(1) + label, text)
        content_type = f"text/html; charset={label}"
    return RealPage(package, language, name, text.encode(codec, errors="xmlcharrefreplace"), content_type, variant,
                    original)


def write_warc(path: Path, pages: list[RealPage]) -> None:
    """One gzipped `response` record a page, as Common Crawl writes them (with the payload type)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for page in pages:
            headers = [("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))]
            if page.content_language:
                headers.append(("Content-Language", page.content_language))
            http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(page.url, "response", payload=io.BytesIO(page.body), http_headers=http,
                                               warc_headers_dict={"WARC-Identified-Payload-Type": "text/html"})
            writer.write_record(record)


def write_wet(path: Path, pages: list[RealPage]) -> None:
    """One gzipped `conversion` record a page: its visible text (resiliparse), as in WET files."""
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as stream:
        writer = WARCWriter(stream, gzip=True)
        for page in pages:
            text = extract_plain_text(bytes_to_str(page.body, detect_encoding(page.body)), main_content=False)
            record = writer.create_warc_record(page.url, "conversion", payload=io.BytesIO(text.encode("utf-8")),
                                               warc_content_type="text/plain")
            writer.write_record(record)
