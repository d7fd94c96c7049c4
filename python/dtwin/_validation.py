"""Input checks shared by the Python classes: turn what users pass into C-contiguous float
arrays, or raise a ValueError that says what was wrong."""
import numbers

import numpy as np


def as_matrix(X, name="X", dtype=None):
    """2-D C-contiguous float32/float64 copy-free view of X where possible.

    float32 input stays float32 (when `dtype` is None); every other numeric input becomes
    float64. pandas DataFrames are accepted through their values.
    """
    if hasattr(X, "to_numpy") and not isinstance(X, np.ndarray):
        X = X.to_numpy()
    arr = np.asarray(X)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise ValueError(f"{name} must be numeric, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"{name} must be real, got complex values")
    if arr.ndim == 1:
        raise ValueError(
            f"{name} must be 2-D (samples x features), got 1-D of length {arr.shape[0]}; "
            "use X.reshape(-1, 1) for one feature or X.reshape(1, -1) for one sample")
    if arr.ndim != 2:
        raise ValueError(f"{name} must be 2-D (samples x features), got {arr.ndim}-D")
    if dtype is None:
        dtype = np.float32 if arr.dtype == np.float32 else np.float64
    return np.ascontiguousarray(arr, dtype=dtype)


def check_random_state(random_state):
    """None, an int, or a numpy RandomState/Generator -> None or a non-negative int seed."""
    if random_state is None:
        return None
    if isinstance(random_state, (numbers.Integral, np.integer)):
        if random_state < 0:
            raise ValueError(f"random_state must be >= 0, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    raise ValueError(f"random_state must be None, an int or a numpy random generator, got {random_state!r}")


def check_int_params(params, names):
    """Turn the named entries of a parameter dict into ints, refusing floats and bools."""
    for k in names:
        v = params[k]
        if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer)):
            raise ValueError(f"{k} must be an integer, got {v!r}")
        params[k] = int(v)
    return params
