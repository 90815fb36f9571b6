"""Arrow column builders for the simulator: timestamps, nullable ids, categories and time-ordered keys."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NO_TIME = np.int64(-(2**62))  # "no timestamp" in the simulator's int64 seconds arrays
TS = pa.timestamp("us")  # naive UTC, as the store keeps it
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def ts(seconds: np.ndarray) -> pa.Array:
    """Seconds since the epoch (NO_TIME = null) as a naive-UTC microsecond timestamp column."""
    mask = seconds == NO_TIME
    values = np.where(mask, 0, seconds) * 1_000_000
    return pa.array(values, type=pa.int64(), mask=mask if mask.any() else None).cast(TS)


def ids(values: np.ndarray, null: int = 0) -> pa.Array:
    """An int64 id column; `null` marks missing references."""
    mask = values == null
    return pa.array(values.astype(np.int64), type=pa.int64(), mask=mask if mask.any() else None)


def category(codes: np.ndarray, names: Sequence[str | None]) -> pa.Array:
    """A string column from small integer codes (a dictionary column; a negative code or None name is null)."""
    names_list = list(names)
    nulls = [i for i, n in enumerate(names_list) if n is None]
    dictionary = pa.array([n if n is not None else "" for n in names_list], type=pa.string())
    index_type = pa.int8() if len(names_list) < 127 else pa.int16() if len(names_list) < 32000 else pa.int32()
    mask = codes < 0
    if nulls:
        mask |= np.isin(codes, nulls)
    idx = np.where(mask, 0, codes).astype(index_type.to_pandas_dtype())
    indices = pa.array(idx, type=index_type, mask=mask if mask.any() else None)
    return pa.DictionaryArray.from_arrays(indices, dictionary)


def strings(codes: np.ndarray, names: Sequence[str | None]) -> pa.Array:
    """A plain string column from small integer codes."""
    return category(codes, names).cast(pa.string())


def hex_keys(prefix: str, parts: Sequence[tuple[np.ndarray, int]]) -> pa.Array:
    """Fixed-width keys: prefix + each (values, hex digits) part, built without a Python loop per row."""
    n = len(parts[0][0]) if parts else 0
    head = np.frombuffer(prefix.encode(), dtype=np.uint8)
    width = len(head) + sum(w for _, w in parts)
    buf = np.empty((n, width), dtype=np.uint8)
    buf[:, : len(head)] = head
    col = len(head)
    for values, digits in parts:
        v = values.astype(np.uint64)
        for d in range(digits):
            shift = np.uint64(4 * (digits - 1 - d))
            buf[:, col + d] = _HEX[((v >> shift) & np.uint64(15)).astype(np.intp)]
        col += digits
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1)))


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string columns and literals element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def num_text(values: np.ndarray) -> pa.Array:
    """Integers as decimal strings."""
    return pc.cast(pa.array(values.astype(np.int64)), pa.string())
