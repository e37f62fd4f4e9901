"""The admin's import in a real browser, both ways it runs: on a Celery worker (the job's
page follows the preview and the import by itself, polling their progress, and shows
each when it is there) and inline without a broker, as `make run` has it."""

import pytest
from playwright.sync_api import expect

from assets.models import Asset
from registry.models import ImportJob
from tests.registry.test_admin_import_jobs import new_assets_csv, shared_media, worker

__all__ = ["shared_media", "worker"]  # the worker fixtures, shared with the job tests

ROWS = 60
# The worker's steps take seconds on a loaded machine; the page waits for them itself.
STEP_TIMEOUT_MS = 120_000


@pytest.fixture(params=["worker", "inline"])
def job_runner(request, settings, tmp_path):
    """Where the job's tasks run: a real worker (the web and the worker share the media
    directory), or inline in the request, as without a broker."""
    if request.param == "worker":
        request.getfixturevalue("worker")
        settings.MEDIA_ROOT = str(request.getfixturevalue("shared_media"))
    else:
        settings.CELERY_TASK_ALWAYS_EAGER = True
        settings.MEDIA_ROOT = str(tmp_path / "media")
    return request.param


def test_a_steward_imports_a_file_and_the_page_follows_the_job(
    job_runner, curators, log_in, artifact
):
    page = log_in("steward")
    page.goto("/admin/assets/asset/")
    page.get_by_role("link", name="Import").click()
    page.set_input_files(
        "#id_file",
        files=[{"name": "new.csv", "mimeType": "text/csv", "buffer": new_assets_csv(ROWS)}],
    )
    page.get_by_role("button", name="Preview import").click()

    # The job's page: progress while the worker previews, then the preview (the page
    # reloads itself when the step ends; the test never reloads it).
    job = ImportJob.objects.get()
    expect(page).to_have_url(f"/admin/assets/asset/import/{job.pk}/")
    to_create = page.locator("#import-counts tr", has_text="To create").locator("td")
    expect(to_create).to_have_text(str(ROWS), timeout=STEP_TIMEOUT_MS)
    assert not Asset.objects.filter(symbol__startswith="JOB").exists()
    screenshot = artifact(f"import-preview-{job_runner}.png")
    page.screenshot(path=screenshot)

    page.get_by_role("button", name="Confirm import").click()

    expect(page.locator("#import-result")).to_contain_text(
        f"Imported new.csv: {ROWS} created, 0 updated", timeout=STEP_TIMEOUT_MS
    )
    assert Asset.objects.filter(symbol__startswith="JOB").count() == ROWS
    job.refresh_from_db()
    assert (job.status, job.done, job.total, job.file.name) == ("DONE", ROWS, ROWS, "")
    page.screenshot(path=artifact(f"import-done-{job_runner}.png"), full_page=True)
