"""GDAL must never open VRT files: a VRT can point at any file on the server."""

import pytest
from django.contrib.gis.gdal import DataSource, GDALException, GDALRaster


def test_gdal_refuses_a_raster_vrt(tmp_path):
    vrt = tmp_path / "evil.vrt"
    vrt.write_text(
        '<VRTDataset rasterXSize="1" rasterYSize="1"><VRTRasterBand dataType="Byte" band="1">'
        "<SimpleSource><SourceFilename>/etc/passwd</SourceFilename></SimpleSource>"
        "</VRTRasterBand></VRTDataset>"
    )
    with pytest.raises(GDALException):
        GDALRaster(str(vrt))


def test_gdal_refuses_a_vector_vrt(tmp_path):
    # The source is a readable CSV, so only the skipped driver stops this.
    (tmp_path / "secret.csv").write_text("a,b\n1,2\n")
    vrt = tmp_path / "evil.vrt"
    vrt.write_text(
        f'<OGRVRTDataSource><OGRVRTLayer name="x"><SrcDataSource>{tmp_path / "secret.csv"}'
        "</SrcDataSource></OGRVRTLayer></OGRVRTDataSource>"
    )
    with pytest.raises(GDALException):
        DataSource(str(vrt))


def test_gdal_still_reads_geojson(tmp_path):
    path = tmp_path / "ok.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"n": 1},'
        ' "geometry": {"type": "Point", "coordinates": [4.35, 50.85]}}]}'
    )
    assert len(DataSource(str(path))[0]) == 1
