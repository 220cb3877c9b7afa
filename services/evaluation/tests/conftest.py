import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

# The helpers module sits beside the tests (pytest runs with --import-mode=importlib).
sys.path.insert(0, str(Path(__file__).parent))

from evaluation_factories import Api

from ocop_evaluation.app import create_app
from ocop_evaluation.settings import Settings


@pytest.fixture
def api(postgres_url: str, tmp_path: Path) -> Iterator[Api]:
    """The evaluation API in-process, on a fresh PostgreSQL database."""
    app = create_app(Settings(database_url=postgres_url, data_dir=tmp_path))
    with TestClient(app) as client:
        yield Api(client)
