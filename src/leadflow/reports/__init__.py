"""The meeting pack: one self-contained HTML document (and its PDF) both teams review together."""

from leadflow.reports.pack import PackFormat, pack_filename, render_pack, write_pack

__all__ = ["PackFormat", "pack_filename", "render_pack", "write_pack"]
