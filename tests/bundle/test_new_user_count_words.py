"""`bundleguard bundle` says how many in plain words when the screenshots and appliances
do not pair up: "(2 appliances, 1 screenshot)", never "appliance(s)"."""

from __future__ import annotations

from bundleguard.cli import main
from tests.bundle.conftest import BACKUP, PRIMARY


def test_screenshot_count_error_says_the_counts_in_plain_words(capsys, inputs, out_dir):
    code = main(
        ["bundle", "--appliance", PRIMARY, "--appliance", BACKUP, "--screenshot",
         str(inputs.screenshot), "--cert", str(inputs.leaf), "--out", str(out_dir)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "in the same order (2 appliances, 1 screenshot)." in err
    assert list(out_dir.iterdir()) == []
