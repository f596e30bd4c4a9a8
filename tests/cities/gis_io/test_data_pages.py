"""The staff data area and the dataset pages, through the test client."""

import io
import json

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from cities.gis_io import steps
from cities.models import City, Dataset, Import, Site
from tests.cities.gis_io import samples
from tests.cities.gis_io.pipeline import commit, upload, validate
from tests.personas import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(db):
    """Dana manages data (the data-managers group); Bob is a maker with no staff rights."""
    person = user("dana")
    # The migration's group is gone after a transactional test flushed the database.
    person.groups.add(Group.objects.get_or_create(name="data-managers")[0])
    return person


@pytest.fixture
def signed_in(client, dana):
    client.force_login(dana)
    return client


def test_only_data_managers_and_editors_enter_the_data_area(client, bob, dana):
    assert client.get("/staff/data/").status_code == 302  # to sign in
    client.force_login(bob)
    assert client.get("/staff/data/").status_code == 403
    assert client.post("/staff/data/imports/new/", {"target": "sites"}).status_code == 403
    client.force_login(dana)
    page = client.get("/staff/data/")
    assert page.status_code == 200 and "Import a file" in page.content.decode()


def test_a_file_is_uploaded_inspected_mapped_validated_and_committed_through_the_pages(
    signed_in, importville, tmp_path, django_capture_on_commit_callbacks
):
    path = samples.sites_gpkg(tmp_path / "s.gpkg", n=8)
    with django_capture_on_commit_callbacks(execute=False):
        response = signed_in.post(
            "/staff/data/imports/new/",
            {
                "target": "sites",
                "city": importville.pk,
                "file": SimpleUploadedFile("s.gpkg", path.read_bytes()),
            },
        )
    imp = Import.objects.get(city=importville)
    assert response.status_code == 302 and response["Location"] == f"/staff/data/imports/{imp.pk}/"
    page = signed_in.get(response["Location"]).content.decode()
    assert "Working…" in page and 'http-equiv="refresh"' in page  # refreshes without JavaScript
    status = signed_in.get(f"/staff/data/imports/{imp.pk}/status.json").json()
    assert status["status"] == "queued" and status["finished"] is False

    steps.import_run_now(imp)
    page = signed_in.get(f"/staff/data/imports/{imp.pk}/").content.decode()
    assert "What the file holds" in page and "sites (8)" in page and "districts (3)" in page
    assert "25.62" in page  # sample values of the fields

    form = {
        "action": "validate",
        "layer": "sites",
        "srid": "4326",
        "map_external_id": "ref",
        "map_name": "name",
        "map_sector": "nace",
        "map_employees": "staff",
    }
    with django_capture_on_commit_callbacks(execute=False):
        assert signed_in.post(f"/staff/data/imports/{imp.pk}/", form).status_code == 302
    imp = steps.import_run_now(Import.objects.get(pk=imp.pk))
    page = signed_in.get(f"/staff/data/imports/{imp.pk}/").content.decode()
    assert imp.stage == "review" and "8 rows read. Errors: 0. Repaired: 0." in page

    commit_form = {
        "action": "commit",
        "mode": "new",
        "name": "Brussels workshops",
        "publisher": "Brussels Economy",
        "licence": "CC-BY-4.0",
        "quality": "official",
    }
    with django_capture_on_commit_callbacks(execute=False):
        assert signed_in.post(f"/staff/data/imports/{imp.pk}/", commit_form).status_code == 302
    imp = steps.import_run_now(Import.objects.get(pk=imp.pk))
    assert imp.stage == "done" and Site.objects.filter(dataset=imp.dataset).count() == 8
    page = signed_in.get(f"/staff/data/imports/{imp.pk}/").content.decode()
    assert "8 rows created, 0 updated, 0 removed" in page


def test_a_missing_required_field_is_a_form_error_not_a_job(signed_in, importville, tmp_path):
    imp = upload(samples.sites_gpkg(tmp_path / "s.gpkg", n=3), "sites", importville)
    response = signed_in.post(
        f"/staff/data/imports/{imp.pk}/", {"action": "validate", "layer": "sites", "srid": "4326"}
    )
    assert response.status_code == 400
    assert "Required: choose the file" in response.content.decode()
    imp.refresh_from_db()
    assert imp.job.kind == "import_inspect"  # no validation was started


def test_a_file_over_the_limit_is_refused_before_it_is_kept(signed_in, importville, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.geojson", b" " * (1024 * 1024 + 1))
    response = signed_in.post(
        "/staff/data/imports/new/", {"target": "sites", "city": importville.pk, "file": big}
    )
    assert response.status_code == 400 and "larger than 1 MB" in response.content.decode()
    assert not Import.objects.filter(city=importville).exists()


@pytest.mark.parametrize(
    ("build", "words"),
    [
        (samples.zip_with_traversal, "outside"),
        (samples.vrt_as_geojson, "VRT"),
        (samples.truncated_geojson, ""),
        (samples.zip_bomb, ""),
    ],
)
def test_hostile_files_end_with_a_clear_message_and_write_nothing(
    signed_in, importville, tmp_path, build, words, settings
):
    settings.IMPORT_MAX_UNZIPPED_MB = 50
    name = (
        "bomb.zip"
        if build is samples.zip_bomb
        else "f.zip"
        if "zip" in build.__name__
        else ("f.geojson")
    )
    path = build(tmp_path / name)
    imp = upload(path, "sites", importville)
    assert imp.stage == Import.Stage.FAILED and imp.job.status == "failed"
    assert words in imp.job.message and imp.job.message
    page = signed_in.get(f"/staff/data/imports/{imp.pk}/").content.decode()
    assert imp.job.message.replace("'", "&#x27;") in page
    assert not Site.objects.filter(city=importville).exists()
    assert not (tmp_path.parent / "evil.shp").exists()


def test_the_report_downloads_as_csv(signed_in, importville, tmp_path):
    imp = validate(
        upload(samples.sites_gpkg(tmp_path / "s.gpkg", n=4, bad_row=2), "sites", importville)
    )
    response = signed_in.get(f"/staff/data/imports/{imp.pk}/report.csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == "row,field,value,message,severity"
    assert lines[1].startswith("2,geometry,,The geometry has coordinates that are not numbers")


def test_a_dataset_page_shows_provenance_counts_and_downloads(signed_in, importville, tmp_path):
    path = samples.sites_gpkg(tmp_path / "workshops-2024.gpkg", n=5)
    imp = commit(validate(upload(path, "sites", importville)))
    staff_page = signed_in.get(f"/data/{imp.dataset.slug}/").content.decode()
    assert "workshops-2024.gpkg" in staff_page and "Delete this dataset" in staff_page
    signed_in.logout()
    page = signed_in.get(f"/data/{imp.dataset.slug}/").content.decode()
    assert "Test suite" in page and "CC-BY-4.0" in page and "30 June 2024" in page
    assert f"/export/sites.gpkg?dataset={imp.dataset.slug}" in page
    assert "workshops-2024.gpkg" not in page  # imports are for staff


def test_deleting_a_dataset_shows_what_goes_and_takes_it_all(signed_in, importville, tmp_path):
    imp = commit(
        validate(upload(samples.sites_gpkg(tmp_path / "s.gpkg", n=5), "sites", importville))
    )
    slug = imp.dataset.slug
    page = signed_in.get(f"/staff/data/datasets/{slug}/delete/").content.decode()
    assert "5 manufacturing sites" in page
    response = signed_in.post(f"/staff/data/datasets/{slug}/delete/")
    assert response.status_code == 302
    assert not Dataset.objects.filter(slug=slug).exists()
    assert not Site.objects.filter(city=importville).exists()


def test_a_dataset_still_in_use_is_not_deleted(signed_in, importville):
    slug = importville.dataset.slug  # the city's outline came from it
    page = signed_in.get(f"/staff/data/datasets/{slug}/delete/").content.decode()
    assert "cannot be deleted" in page and "outline of Importville" in page
    response = signed_in.post(f"/staff/data/datasets/{slug}/delete/")
    assert response.status_code == 409
    assert City.objects.filter(pk=importville.pk).exists()


def test_a_new_city_appears_with_its_map_and_says_what_it_lacks(client, signed_in, tmp_path):
    outline = samples.metres_without_crs_geojson(tmp_path / "o.geojson")
    form = {
        "name": "Newtown",
        "slug": "newtown",
        "country": "be",
        "file": SimpleUploadedFile("o.geojson", outline.read_bytes()),
    }
    response = signed_in.post("/staff/data/cities/new/", form)
    imp = Import.objects.get(target="city")
    assert response["Location"] == imp.get_absolute_url()
    steps.import_run_now(imp)
    commit(validate(Import.objects.get(pk=imp.pk)))
    assert "Newtown" in client.get("/cities/").content.decode()
    page = signed_in.get("/cities/newtown/").content.decode()
    for words in (
        "No districts yet.",
        "No manufacturing sites yet.",
        "No industrial land yet.",
        "No statistics yet.",
        "No material flows yet.",
    ):
        assert words in page
    assert "/staff/data/imports/new/?target=sites&amp;city=newtown" in page
    assert client.get("/api/v1/cities/newtown/").status_code == 200
    # The directory, the API and the exports take the new city like any other.
    assert client.get("/makers/?city=newtown").status_code == 200
    assert client.get("/api/v1/sites/?city=newtown").json()["features"] == []
    assert client.get("/export/sites.geojson?city=newtown").status_code == 200


def test_the_city_page_links_every_layer_as_a_download(client, demo):
    page = client.get("/cities/brussels/").content.decode()
    for fmt in ("geojson", "csv", "gpkg", "fgb"):
        assert f"/export/sites.{fmt}?city=brussels" in page
    assert "/export/context.gpkg?city=brussels&amp;layer=stations" in page


def test_the_command_line_imports_with_the_same_report(importville, tmp_path):
    path = samples.sites_gpkg(tmp_path / "s.gpkg", n=6, bad_row=3)
    out, report = io.StringIO(), tmp_path / "report.csv"
    with pytest.raises(CommandError, match="1 errors: nothing was imported"):
        call_command(
            "import_layer",
            str(path),
            "--target",
            "sites",
            "--city",
            "importville",
            "--layer",
            "sites",
            "--report",
            str(report),
            stdout=out,
        )
    assert "row 3: geometry" in out.getvalue() and "not numbers" in report.read_text()
    path = samples.sites_gpkg(tmp_path / "t.gpkg", n=6)
    call_command(
        "import_layer",
        str(path),
        "--target",
        "sites",
        "--city",
        "importville",
        "--layer",
        "sites",
        "--name",
        "From the shell",
        "--publisher",
        "Me",
        "--licence",
        "ODbL-1.0",
        stdout=out,
    )
    dataset = Dataset.objects.get(name="From the shell")
    assert dataset.licence == "ODbL-1.0" and Site.objects.filter(dataset=dataset).count() == 6
    assert json.loads(out.getvalue().splitlines()[-1].split(": ", 1)[1]) == {
        "created": 6,
        "updated": 0,
        "deleted": 0,
    }


def test_a_demo_dataset_lists_no_imports(client, demo):
    dataset = Dataset.objects.get(slug="demo-sites")
    page = client.get(f"/data/{dataset.slug}/")
    assert page.status_code == 200 and "Synthetic data" in page.content.decode()


def test_whole_layers_are_not_served_as_one_map_geojson(client, demo):
    # Sites come as tiles, whole layers as files; only the small app layers come here.
    assert client.get("/cities/brussels/layers/sites.geojson").status_code == 404
    assert client.get("/cities/brussels/layers/context.geojson").status_code == 404
    assert client.get("/cities/brussels/layers/case-studies.geojson").status_code == 200


def test_a_geojson_whose_crs_is_a_link_is_refused_before_gdal_opens_it(importville, tmp_path):
    path = tmp_path / "link.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "crs": {"type": "link", "properties": '
        '{"href": "http://169.254.169.254/latest/meta-data/", "type": "proj4"}}, "features": []}'
    )
    imp = upload(path, "sites", importville)
    assert imp.stage == Import.Stage.FAILED and "given as a link" in imp.job.message


def test_exports_are_rate_limited_per_client(client, db, settings):
    settings.EXPORT_RATE_PER_MINUTE = 2
    for _attempt in range(2):
        assert client.get("/export/case-studies.csv").status_code == 200
    response = client.get("/export/case-studies.csv")
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60


def test_a_committed_import_is_kept_and_a_second_commit_is_refused(
    signed_in, importville, tmp_path
):
    imp = commit(
        validate(upload(samples.sites_gpkg(tmp_path / "s.gpkg", n=3), "sites", importville))
    )
    with pytest.raises(steps.ImportRefused):
        steps.import_request_commit(
            imp=imp, mode="new", dataset_values={"name": "x"}, enqueue=False
        )
    response = signed_in.post(f"/staff/data/imports/{imp.pk}/", {"action": "discard"})
    assert response.status_code == 409 and Import.objects.filter(pk=imp.pk).exists()


def test_a_bad_layer_name_in_an_export_is_a_400(client, db):
    response = client.get('/export/context.csv?layer=a%0Ab";filename=evil.html')
    assert response.status_code == 400


def test_a_large_dataset_is_deleted_by_a_job(
    signed_in, importville, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from cities import datasets
    from cities.jobs import job_execute
    from cities.models import Job

    monkeypatch.setattr(datasets, "INLINE_LIMIT", 2)
    imp = commit(
        validate(upload(samples.sites_gpkg(tmp_path / "s.gpkg", n=5), "sites", importville))
    )
    slug = imp.dataset.slug
    with django_capture_on_commit_callbacks(execute=False):
        response = signed_in.post(f"/staff/data/datasets/{slug}/delete/")
    assert response.status_code == 302
    page = signed_in.get("/staff/data/").content.decode()
    assert "Being deleted" in page and "being deleted in the background" in page
    job = Job.objects.get(kind="dataset_delete")
    assert Dataset.objects.filter(slug=slug).exists()  # nothing gone before the job runs
    job = job_execute(job_id=job.pk)
    assert job.status == "succeeded" and job.result == {"deleted": 5}
    assert not Dataset.objects.filter(slug=slug).exists()
    assert job_execute(job_id=job.pk) is None  # delivered again: nothing to do


def test_the_data_pages_run_a_constant_number_of_queries(
    signed_in, importville, tmp_path, django_assert_max_num_queries
):
    """However many imports, datasets and report rows there are."""
    for i in range(3):
        path = samples.sites_gpkg(tmp_path / f"s{i}.gpkg", n=4, bad_row=2 if i == 2 else None)
        imp = validate(upload(path, "sites", importville))
        if i < 2:
            imp = commit(imp)
    with django_assert_max_num_queries(12):
        assert signed_in.get("/staff/data/").status_code == 200
    with django_assert_max_num_queries(16):
        assert signed_in.get(f"/staff/data/imports/{imp.pk}/").status_code == 200
    dataset = Import.objects.filter(stage="done", city=importville).first().dataset
    with django_assert_max_num_queries(9):
        assert signed_in.get(f"/data/{dataset.slug}/").status_code == 200
