"""Arrow column builders for the simulator: timestamps, nullable ids, categories and time-ordered keys."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NO_TIME = np.int64(-(2**62))  # "no timestamp" in the simulator's int64 seconds arrays
TS = pa.timestamp("us")  # naive UTC, as the store keeps it


def ts(seconds: np.ndarray) -> pa.Array:
    """Seconds since the epoch (NO_TIME = null) as a naive-UTC microsecond timestamp column."""
    mask = seconds == NO_TIME
    values = np.where(mask, 0, seconds) if mask.any() else seconds.astype(np.int64)
    values *= 1_000_000
    if not mask.any():
        return pa.Array.from_buffers(TS, len(values), [None, pa.py_buffer(values)])
    return pa.array(values, type=pa.int64(), mask=mask).cast(TS)


def ids(values: np.ndarray, null: int = 0) -> pa.Array:
    """An int64 id column; `null` marks missing references."""
    mask = values == null
    return pa.array(values.astype(np.int64), type=pa.int64(), mask=mask if mask.any() else None)


def category(codes: np.ndarray, names: Sequence[str | None]) -> pa.Array:
    """A string column from small integer codes (dictionary-encoded; code < 0 or a None name = null)."""
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


def _pair_table() -> np.ndarray:
    digits = b"0123456789abcdef"
    pairs = np.frombuffer(
        b"".join(bytes([digits[i >> 4], digits[i & 15]]) for i in range(256)), dtype=np.uint8
    )
    return pairs.view(np.uint16)


_PAIRS = _pair_table()


def hex_keys(prefix: str, values: np.ndarray, digits: int) -> pa.Array:
    """Fixed-width keys prefix + values in hex (zero-padded), built without a Python loop per row.

    Works on byte pairs (a 256-entry table) so a 20M-row column takes a few passes; `prefix` and `digits`
    must have even lengths.
    """
    if len(prefix) % 2 or digits % 2:
        raise ValueError("hex_keys needs an even prefix length and an even number of digits")
    n = len(values)
    head = np.frombuffer(prefix.encode(), dtype=np.uint16)
    width = len(head) + digits // 2  # in byte pairs
    buf = np.empty((n, width), dtype=np.uint16)
    buf[:, : len(head)] = head
    step = 1 << 21  # rows per slice: bounds the temporaries
    for lo in range(0, n, step):
        v = values[lo : lo + step].astype(np.uint64)
        for i in range(digits // 2):
            shift = np.uint64(8 * (digits // 2 - 1 - i))
            buf[lo : lo + step, len(head) + i] = _PAIRS[((v >> shift) & np.uint64(255)).astype(np.intp)]
    offsets = np.arange(0, (n + 1) * width * 2, width * 2, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(buf.reshape(-1)))


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate string columns and literals element-wise."""
    return pc.binary_join_element_wise(*parts, "")


def num_text(values: np.ndarray) -> pa.Array:
    """Integers as decimal strings."""
    return pc.cast(pa.array(values.astype(np.int64)), pa.string())
