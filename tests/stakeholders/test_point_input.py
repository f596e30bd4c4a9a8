"""A workspace's point in another reference system is transformed, or refused with a
message: never relabelled as WGS 84, and never an HTML 400."""

import pytest
from rest_framework.exceptions import ValidationError

from stakeholders.api import PointInputField


def test_a_web_mercator_point_is_transformed_to_wgs84():
    point = PointInputField().to_internal_value("SRID=3857;POINT(485000 6590000)")
    assert point.srid == 4326
    assert round(point.x, 3) == 4.357 and 50.8 < point.y < 50.9


@pytest.mark.parametrize(
    "value",
    [
        "SRID=99999;POINT(1 2)",
        {"type": "Point", "coordinates": [4.35, 50.85],
         "crs": {"type": "link", "properties": {"href": "http://example.com/crs"}}},
        {"type": "Point", "coordinates": [4.35, 50.85],
         "crs": {"type": "name", "properties": {"name": "http://example.com/crs"}}},
    ],
)  # fmt: skip
def test_an_unknown_or_external_reference_system_is_refused_with_a_message(value):
    with pytest.raises(ValidationError) as refused:
        PointInputField().to_internal_value(value)
    assert "WGS 84" in str(refused.value.detail)
