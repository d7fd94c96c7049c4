import numpy as np
import pytest

import dtwin


def test_plain_rule_shapes_radius_and_determinism():
    Z = np.random.RandomState(0).randn(300, 2)
    sg = dtwin.SparseGenerator(random_state=1, n_cycles=2)
    V = sg.generate(Z)
    assert V.shape[1] == 2 and V.shape[0] + sg.rejected_ == 600
    d_nn = np.sort(np.sqrt(((Z[:, None] - Z[None]) ** 2).sum(-1)), axis=1)[:, 1].mean()
    assert sg.radius_ == pytest.approx(d_nn)
    assert np.all(np.linalg.norm(V - Z[sg.centres_], axis=1) <= sg.radius_ * (1 + 1e-9))
    assert np.array_equal(V, dtwin.SparseGenerator(random_state=1, n_cycles=2).generate(Z))


def test_mask_from_a_tag_condition():
    rng = np.random.RandomState(0)
    X = rng.rand(400, 3)
    Z = X[:, :2] + 0.01 * rng.randn(400, 2)
    feed_high = X[:, 2] > np.percentile(X[:, 2], 90)
    sg = dtwin.SparseGenerator(random_state=0)
    V = sg.generate(Z, mask=feed_high)
    assert len(V) > 0 and feed_high[sg.centres_].all()
    V = sg.generate(Z, box=([0.5, 0.5], [1.0, 1.0]))
    assert (V >= 0.5).all() and (V <= 1.0).all()


def test_bad_input():
    with pytest.raises(ValueError, match="target"):
        dtwin.SparseGenerator(target="dense").generate(np.random.rand(20, 2))
    with pytest.raises(ValueError, match="mask"):
        dtwin.SparseGenerator().generate(np.random.rand(20, 2), mask=np.ones(3, bool))
    with pytest.raises(ValueError, match="NaN"):
        dtwin.SparseGenerator().generate(np.full((20, 2), np.nan))
    with pytest.raises(ValueError, match="region"):
        dtwin.SparseGenerator().generate(np.random.rand(20, 2), box=([5, 5], [6, 6]))
