"""Turns the fetched corpora (infra/fetch-data.sh: ~/.cache/kiln/data/raw) into a few gzipped WARC files of HTTP
response records, as a crawler would have written them, for bench/datatrove/run-warc.sh.

Every file becomes one response record with the URL the page has on its site, an HTTP header with its
Content-Type and charset, and WARC-Identified-Payload-Type (as Common Crawl sets it). Records are spread over
the output files in a fixed shuffled order, so that each file mixes the corpora and each task of either side
gets a similar share. The output is deterministic (fixed WARC-Date, record ids derived from the URL); it is a
fixture, never committed. Usage: make_warc.py DATA_DIR OUT_DIR [FILES]"""
import io
import random
import sys
import uuid
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

WARC_DATE = "2026-01-01T00:00:00Z"

# corpus folder under raw/ -> (URL prefix on its site, function of the path under the folder -> URL path)
SITES = {
    "debian-handbook": lambda rel: "https://debian-handbook.info/browse/" + rel.replace("/", "/stable/", 1),
    "python-docs": lambda rel: "https://docs.python.org/3/" + rel,
    "postgresql-docs": lambda rel: "https://www.postgresql.org/docs/current/" + rel,
    "gutenberg": lambda rel: "https://www.gutenberg.org/cache/epub/" + rel,
    "sotu": lambda rel: "https://www.presidency.ucsb.edu/documents/" + rel,
}


def content_type(path: Path, body: bytes):
    """The HTTP Content-Type a server would send, and the payload type a crawler would identify."""
    if path.suffix in (".html", ".htm", ".xhtml"):
        return "text/html; charset=UTF-8", "text/html"
    try:
        body.decode("utf-8")
        charset = "utf-8"
    except UnicodeDecodeError:
        charset = "ISO-8859-1"
    return f"text/plain; charset={charset}", "text/plain"


def records(data: Path):
    for corpus, url_of in SITES.items():
        root = data / "raw" / corpus
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            yield url_of(path.relative_to(root).as_posix()), path


def main(data_dir, out_dir, n_files=4):
    data, out = Path(data_dir), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pages = list(records(data))
    random.Random(18).shuffle(pages)
    writers = []
    files = []
    for i in range(n_files):
        f = open(out / f"kiln-corpora-{i:05d}.warc.gz", "wb")
        files.append(f)
        writers.append(WARCWriter(f, gzip=True))
    counts = {}
    for i, (url, path) in enumerate(pages):
        body = path.read_bytes()
        ctype, payload_type = content_type(path, body)
        http = StatusAndHeaders("200 OK", [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                                protocol="HTTP/1.1")
        warc_headers = {
            "WARC-Date": WARC_DATE,
            "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, url)}>",
            "WARC-Identified-Payload-Type": payload_type,
        }
        writer = writers[i % n_files]
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), length=len(body),
                                                      http_headers=http, warc_headers_dict=warc_headers))
        counts[payload_type] = counts.get(payload_type, 0) + 1
    for f in files:
        f.close()
    print(f"{len(pages):,} response records ({', '.join(f'{n:,} {t}' for t, n in sorted(counts.items()))}) "
          f"in {n_files} files under {out}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 4)
