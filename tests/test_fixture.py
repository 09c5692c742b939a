"""The committed example Dataset (data/fixtures/small) is exactly what build_fixture makes."""

from audit import load_dataset
from audit.runner.parameters import FIXTURE_DIR
from audit.synth.fixture import build_fixture


def test_committed_fixture_is_current():
    committed = load_dataset(FIXTURE_DIR)
    assert committed.fingerprint() == build_fixture().fingerprint(), (
        "data/fixtures/small is stale: rebuild it with "
        "`python -c 'from audit.synth.fixture import write_fixture; "
        'write_fixture("data/fixtures/small")\'` and re-execute the notebooks'
    )
