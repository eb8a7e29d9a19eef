"""Small OpenDocument spreadsheets written by hand (no library writes odd repeats), for the tests."""

from __future__ import annotations

import zipfile
from pathlib import Path

MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
         'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
         'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
         'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
         'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2">')
_MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
             'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
             '<manifest:file-entry manifest:full-path="/" '
             'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
             '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
             '</manifest:manifest>')


def text_cell(value: str) -> str:
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def number_cell(value: float) -> str:
    return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'


def row(cells, repeat: int | None = None) -> str:
    attr = f' table:number-rows-repeated="{repeat}"' if repeat is not None else ""
    return f"<table:table-row{attr}>{''.join(cells)}</table:table-row>"


def blank_rows(n: int) -> str:
    return row(['<table:table-cell table:number-columns-repeated="1024"/>'], n)


def write_ods(path: Path, tables: dict[str, list[str]], hidden: tuple[str, ...] = ()) -> Path:
    """tables: sheet name -> row XML strings (see row())."""
    styles = ('<office:automatic-styles><style:style style:name="hid" style:family="table">'
              '<style:table-properties table:display="false"/></style:style></office:automatic-styles>')
    body = "".join(f'<table:table table:name="{name}"' + (' table:style-name="hid"' if name in hidden else "")
                   + ">" + "".join(rows) + "</table:table>" for name, rows in tables.items())
    content = _HEAD + styles + "<office:body><office:spreadsheet>" + body + \
        "</office:spreadsheet></office:body></office:document-content>"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), MIME)
        zf.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED)
    return path


PROVIDER_HEADER = row([text_cell("Provider code"), text_cell("Operating income"),
                       text_cell("Operating expenditure")])


def provider_row(code: str, repeat: int | None = None) -> str:
    return row([text_cell(code), number_cell(100), number_cell(90)], repeat)
