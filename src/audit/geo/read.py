"""Read a boundary file (GeoPackage, Shapefile, GeoJSON) into a GeoDataFrame in EPSG:4326.

Shapefile attribute encodings are a common trap with Chinese data: a ``.dbf`` written by
ArcGIS or a provincial land-survey tool is usually GBK (code page 936) and often comes
without the ``.cpg`` file that names its encoding, so GDAL decodes it as ISO-8859-1 and
every village name becomes mojibake. The encoding is therefore decided here, in order:

1. the ``.cpg`` next to the ``.shp`` (``UTF-8``, ``GBK``, ``936``, ``ANSI 936`` …);
2. otherwise the bytes of the ``.dbf`` records: UTF-8 if they decode strictly as UTF-8,
   else GB18030 (a superset of GBK and GB2312) if they decode strictly as GB18030.

The coordinate reference system comes from the file (``.prj``, GeoPackage or GeoJSON
metadata). A file without one is accepted only when its coordinates are plausible
longitude/latitude degrees; it is then assumed to be EPSG:4326 and this is reported.
"""

from __future__ import annotations

import codecs
import struct
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio

from audit.errors import InputError

__all__ = ["SUFFIXES", "RawBoundaries", "detect_dbf_encoding", "read_boundaries"]

WGS84 = "EPSG:4326"
#: File suffixes read by :func:`read_boundaries` and their GDAL driver names.
SUFFIXES = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}
_SHAPEFILE_PARTS = (".shx", ".dbf")


@dataclass
class RawBoundaries:
    """A boundary file as read, before matching to villages.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        All features of the layer, in EPSG:4326, index 0..n-1 in file order.
    layer : str or None
        The layer read (GeoPackage), else None.
    source_crs : str
        The CRS of the file as found (``"EPSG:4547"``, a WKT name, …).
    encoding : str or None
        The attribute encoding used (Shapefile only).
    notes : list of str
        Chinese notes on choices made (encoding detected, CRS assumed, layer chosen).
    """

    frame: gpd.GeoDataFrame
    layer: str | None
    source_crs: str
    encoding: str | None = None
    notes: list[str] = field(default_factory=list)


def _fail(path: Path, zh: str, en: str) -> InputError:
    return InputError(zh, en, file=str(path))


def _codec(name: str) -> str | None:
    """Return a Python codec name for a ``.cpg`` label, or None if unknown."""
    label = name.strip().upper().replace("ANSI", "").strip()
    if not label:
        return None
    candidates = [label]
    if label.isdigit():
        candidates = ["utf-8" if label == "65001" else f"cp{label}"]
    for candidate in candidates:
        try:
            codec = codecs.lookup(candidate).name
        except LookupError:
            continue
        # GBK, GB2312 and code page 936 are all read as their superset GB18030.
        return "gb18030" if codec in ("gbk", "gb2312", "cp936") else codec
    return None


def detect_dbf_encoding(dbf: str | Path) -> str:
    """Guess the text encoding of a dBASE file's records: ``"utf-8"`` or ``"gb18030"``.

    Parameters
    ----------
    dbf : str or Path
        The ``.dbf`` file of a Shapefile.

    Returns
    -------
    str
        ``"utf-8"`` when the record bytes decode strictly as UTF-8 (pure ASCII included),
        else ``"gb18030"`` when they decode strictly as GB18030.

    Raises
    ------
    InputError
        If the file is not a dBASE file or decodes as neither.
    """
    dbf = Path(dbf)
    data = dbf.read_bytes()
    if len(data) < 32:
        raise _fail(dbf, "DBF 属性表文件损坏（过短）", "the .dbf attribute file is truncated")
    header_len = struct.unpack("<H", data[8:10])[0]
    # Field names live in the header (32-byte descriptors); records follow it.
    names = b"".join(data[i : i + 11].split(b"\x00")[0] for i in range(32, header_len - 1, 32))
    body = names + b" " + data[header_len:]
    for encoding in ("utf-8", "gb18030"):
        try:
            body.decode(encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _fail(
        dbf,
        "无法识别 DBF 属性表的文字编码（既不是 UTF-8 也不是 GBK/GB18030）：请附上 .cpg 文件",
        "cannot tell the .dbf text encoding (neither UTF-8 nor GBK/GB18030): supply a .cpg file",
    )


def _shapefile_encoding(shp: Path, notes: list[str]) -> str:
    for part in _SHAPEFILE_PARTS:
        if not shp.with_suffix(part).is_file():
            raise _fail(
                shp,
                f"Shapefile 缺少同名的 {part} 文件",
                f"the Shapefile lacks its {part} file",
            )
    cpg = shp.with_suffix(".cpg")
    if cpg.is_file():
        label = cpg.read_text(encoding="ascii", errors="replace")
        codec = _codec(label)
        if codec is not None:
            notes.append(f"属性表编码按 .cpg 文件读取：{label.strip()}")
            return codec
        notes.append(f".cpg 文件中的编码“{label.strip()}”无法识别，改为自动识别")
    codec = detect_dbf_encoding(shp.with_suffix(".dbf"))
    notes.append(f"属性表编码自动识别为 {codec.upper()}（无可用的 .cpg 文件）")
    return codec


def _choose_layer(path: Path, layer: str | None, notes: list[str]) -> str | None:
    if SUFFIXES[path.suffix.lower()] != "GPKG":
        return None
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        raise _fail(
            path, f"无法打开 GeoPackage：{exc}", f"cannot open the GeoPackage: {exc}"
        ) from exc
    spatial = [str(name) for name, kind in layers if kind and "POLYGON" in str(kind).upper()]
    if layer is not None:
        if layer not in [str(name) for name, _ in layers]:
            raise _fail(
                path,
                f"GeoPackage 中没有图层“{layer}”（现有：{'、'.join(map(str, layers[:, 0]))}）",
                f"no layer {layer!r} in the GeoPackage",
            )
        return layer
    if not spatial:
        raise _fail(path, "GeoPackage 中没有面图层", "the GeoPackage has no polygon layer")
    chosen = "villages" if "villages" in spatial else spatial[0]
    if len(spatial) > 1:
        notes.append(f"GeoPackage 有多个面图层（{'、'.join(spatial)}），读取了“{chosen}”")
    return chosen


def _to_wgs84(
    frame: gpd.GeoDataFrame, path: Path, notes: list[str]
) -> tuple[gpd.GeoDataFrame, str]:
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise _fail(
                path,
                "边界文件没有坐标系信息（缺少 .prj），坐标也不是经纬度：请提供坐标系",
                "the boundary file has no CRS (no .prj) and its coordinates are not lon/lat",
            )
        notes.append("文件没有坐标系信息，坐标为经纬度范围，按 WGS84（EPSG:4326）处理")
        return frame.set_crs(WGS84), "未知（按 EPSG:4326 处理）"
    epsg = frame.crs.to_epsg()
    source = f"EPSG:{epsg}" if epsg else frame.crs.name
    if epsg != 4326:
        try:
            frame = frame.to_crs(WGS84)
        except Exception as exc:
            raise _fail(
                path, f"坐标转换失败（{source}）：{exc}", f"cannot reproject from {source}: {exc}"
            ) from exc
        notes.append(f"坐标系 {source} 已转换为 WGS84（EPSG:4326）")
    return frame, source


def read_boundaries(path: str | Path, *, layer: str | None = None) -> RawBoundaries:
    """Read every feature of a boundary file, reprojected to EPSG:4326.

    Parameters
    ----------
    path : str or Path
        A ``.gpkg``, ``.shp`` (with ``.shx``, ``.dbf``, ideally ``.prj`` and ``.cpg``),
        ``.geojson`` or ``.json`` file.
    layer : str, optional
        GeoPackage layer; by default ``villages`` if present, else the first polygon layer.

    Returns
    -------
    RawBoundaries

    Raises
    ------
    InputError
        If the file is missing, of an unknown type, unreadable, empty, or without a CRS
        when its coordinates are not longitude/latitude.
    """
    path = Path(path)
    if not path.is_file():
        raise _fail(path, "边界文件不存在", "boundary file not found")
    if path.suffix.lower() not in SUFFIXES:
        raise _fail(
            path,
            f"不支持的边界文件类型 {path.suffix}（支持 .gpkg、.shp、.geojson、.json）",
            f"unsupported boundary file type {path.suffix!r} (use .gpkg, .shp, .geojson, .json)",
        )
    notes: list[str] = []
    encoding = _shapefile_encoding(path, notes) if path.suffix.lower() == ".shp" else None
    chosen = _choose_layer(path, layer, notes)
    try:
        frame = gpd.read_file(path, layer=chosen, encoding=encoding, engine="pyogrio")
    except Exception as exc:
        raise _fail(
            path, f"无法读取边界文件：{exc}", f"cannot read the boundary file: {exc}"
        ) from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise _fail(path, "边界文件没有几何图形", "the boundary file has no geometry")
    if len(frame) == 0:
        raise _fail(path, "边界文件中没有任何要素", "the boundary file has no features")
    frame = frame.reset_index(drop=True)
    frame, source = _to_wgs84(frame, path, notes)
    return RawBoundaries(frame, chosen, source, encoding, notes)
