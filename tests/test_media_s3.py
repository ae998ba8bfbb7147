"""Images in S3-compatible object storage, for several servers: a local S3 server
(moto's server mode) started by the tests, spoken to over HTTP by boto3 as a real
service would be; the images' addresses fetched over HTTP too."""

import json
import os
import subprocess
import sys
import uuid
from types import SimpleNamespace
from urllib.request import urlopen

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.urls import reverse
from moto.server import ThreadedMotoServer

from startups.models import Startup
from tests.helpers import post_admin_form
from tests.media_helpers import image_bytes, page_images, upload

pytestmark = pytest.mark.django_db

KEYS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_server():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, settings):
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-3", **KEYS)
    client.create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"}
    )
    # What a deployment does: anyone may read the objects, only the site write.
    client.put_bucket_policy(
        Bucket=name,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{name}/*",
                    }
                ],
            }
        ),
    )
    settings.DEBUG = False
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "startups.media_storage.PublicS3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": s3_server,
                "region_name": "eu-west-3",
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "addressing_style": "path",
            },
        },
    }
    return SimpleNamespace(name=name, client=client, endpoint=s3_server)


def keys(bucket) -> list[str]:
    listing = bucket.client.list_objects_v2(Bucket=bucket.name)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def post_screenshot(admin_client, startup, file):
    return post_admin_form(
        admin_client,
        reverse("admin:startups_startup_change", args=[startup.pk]),
        "startup_form",
        screenshot=file,
    )


def test_an_image_uploaded_in_the_admin_is_served_by_the_object_storage(
    admin_client, client, make_startup, bucket
):
    content = image_bytes(colour="purple")
    startup = make_startup()

    response = post_screenshot(
        admin_client, startup, upload("capture.png", size=(40, 30), colour="purple")
    )

    assert response.status_code == 302
    screenshot = Startup.objects.get(pk=startup.pk).screenshot
    assert keys(bucket) == [screenshot.name]
    url = screenshot.url
    # Public and stable: no signature that would expire in a shared link.
    assert url == f"{bucket.endpoint}/{bucket.name}/{screenshot.name}"
    with urlopen(url, timeout=10) as served:
        assert served.status == 200
        assert served.read() == content
        assert served.headers["Content-Type"] == "image/png"
        assert served.headers["Content-Disposition"] == (
            'inline; filename="capture.png"'
        )
        assert served.headers["Cache-Control"] == "public, max-age=86400"
    # The site itself serves no local copy.
    assert client.get(f"/media/{screenshot.name}").status_code == 404


def test_og_image_and_json_ld_point_at_the_object_storage(client, make_startup, bucket):
    startup = make_startup()
    startup.screenshot.save("capture.webp", upload("capture.webp", "WEBP"))

    page = page_images(client.get(startup.get_absolute_url()).content.decode())

    url = Startup.objects.get(pk=startup.pk).screenshot.url
    assert page.meta["og:image"] == json.loads(page.json_ld[0])["image"] == url
    assert url in [image["src"] for image in page.images]
    with urlopen(url, timeout=10) as served:
        assert served.status == 200
        assert served.headers["Content-Type"] == "image/webp"


def test_a_replaced_image_leaves_the_bucket(
    admin_client, make_startup, bucket, django_capture_on_commit_callbacks
):
    startup = make_startup()
    startup.screenshot.save("old.png", upload("old.png"))
    old_name = startup.screenshot.name

    with django_capture_on_commit_callbacks(execute=True):
        response = post_screenshot(admin_client, startup, upload("new.png"))

    assert response.status_code == 302
    new_name = Startup.objects.get(pk=startup.pk).screenshot.name
    assert keys(bucket) == [new_name]
    assert new_name != old_name


def test_a_name_already_taken_is_never_overwritten(make_startup, bucket):
    first, second = make_startup(), make_startup()
    first.screenshot.save("same.png", upload("same.png", colour="red"))
    second.screenshot.save("same.png", upload("same.png", colour="blue"))

    assert first.screenshot.name != second.screenshot.name
    assert len(keys(bucket)) == 2
    assert default_storage.open(first.screenshot.name).read() == image_bytes(
        colour="red"
    )


def manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "AWS_"))
    }
    environment.update(
        DJANGO_SECRET_KEY="tests-only-not-a-secret-" + "k" * 30, DJANGO_DEBUG="0", **env
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


SAVE_ONE = (
    "from django.core.files.base import ContentFile;"
    "from django.core.files.storage import default_storage;"
    "from tests.media_helpers import image_bytes;"
    "name = default_storage.save('screenshots/env.png', ContentFile(image_bytes()));"
    "print(default_storage.url(name))"
)


@pytest.mark.parametrize("public_url", [False, True])
def test_the_environment_variables_configure_the_object_storage(bucket, public_url):
    public = f"{bucket.endpoint}/{bucket.name}"
    result = manage(
        "shell",
        "-c",
        SAVE_ONE,
        DJANGO_MEDIA_S3_BUCKET=bucket.name,
        DJANGO_MEDIA_S3_ENDPOINT_URL=bucket.endpoint,
        DJANGO_MEDIA_S3_REGION="eu-west-3",
        DJANGO_MEDIA_S3_ACCESS_KEY_ID=KEYS["aws_access_key_id"],
        DJANGO_MEDIA_S3_SECRET_ACCESS_KEY=KEYS["aws_secret_access_key"],
        DJANGO_MEDIA_S3_ADDRESSING_STYLE="path",
        DJANGO_MEDIA_S3_PREFIX="catalogue",
        **({"DJANGO_MEDIA_S3_PUBLIC_URL": public} if public_url else {}),
    )

    assert result.returncode == 0, result.stderr
    url = result.stdout.strip().splitlines()[-1]
    assert url == f"{public}/catalogue/screenshots/env.png"
    assert keys(bucket) == ["catalogue/screenshots/env.png"]
    with urlopen(url, timeout=10) as served:
        assert served.read() == image_bytes()


@pytest.mark.parametrize(
    "variable, value, message",
    [
        (
            "DJANGO_MEDIA_S3_PUBLIC_URL",
            "media.example.org",
            "DJANGO_MEDIA_S3_PUBLIC_URL must be an http(s) address",
        ),
        (
            "DJANGO_MEDIA_S3_ADDRESSING_STYLE",
            "sideways",
            "DJANGO_MEDIA_S3_ADDRESSING_STYLE must be auto, path or virtual",
        ),
    ],
)
def test_a_storage_setting_the_site_does_not_understand_is_refused(
    variable, value, message
):
    result = manage("check", DJANGO_MEDIA_S3_BUCKET="media", **{variable: value})

    assert result.returncode != 0
    assert message in result.stderr
