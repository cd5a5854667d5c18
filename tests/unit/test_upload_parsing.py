"""The multipart upload's parser: a malformed body is a 422 naming the field, before anything
is recorded or stored."""

from __future__ import annotations

import pytest

from shared.core.errors import ValidationFailed
from shared.ingest.bulk import upload

pytestmark = pytest.mark.unit


class _Untouchable:
    def __getattr__(self, name):
        raise AssertionError(f"{name} called for a refused upload")


@pytest.mark.parametrize(
    "body",
    [
        b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n[\r\n\r\nx',
        b"--b\r\nnot a header line\r\n\r\n",
        b"--zz\r\n",
    ],
)
def test_a_malformed_multipart_body_is_refused_with_nothing_written(body):
    with pytest.raises(ValidationFailed) as refused:
        upload.receive(
            _Untouchable(), _Untouchable(), body, "multipart/form-data; boundary=b",
            params={}, actor="admin", max_bytes=1 << 20,
        )  # fmt: skip
    assert refused.value.field == "file"
