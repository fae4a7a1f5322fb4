"""Reading logs a user would actually throw at logchat: big, compressed, piped, broken, hostile."""

from __future__ import annotations

import bz2
import gzip
import importlib.util
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest

from logcore.errors import ExitCode, LogInputError
from logcore.reader import LogFile, read_text


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def numbered(n: int, start: int = 1) -> bytes:
    return b"".join(b"line %d\n" % i for i in range(start, start + n))


# -- one-shot loading ---------------------------------------------------------------------------

def test_selects_1_based_inclusive_ranges_and_tails(tmp_path: Path) -> None:
    log = write(tmp_path / "app.log", numbered(100))
    part = read_text(log, lines=(10, 12))
    assert part.text == "line 10\nline 11\nline 12"
    assert (part.first_line, part.line_count) == (10, 3)
    end = read_text(log, tail=2)
    assert end.text == "line 99\nline 100" and end.first_line == 99
    both = read_text(log, lines=(1, 50), tail=3)
    assert both.text == "line 48\nline 49\nline 50"
    open_end = read_text(log, lines=(99, None))
    assert open_end.line_count == 2


def test_range_beyond_the_end_is_a_clear_error(tmp_path: Path) -> None:
    log = write(tmp_path / "app.log", numbered(5))
    with pytest.raises(LogInputError, match="has 5 lines"):
        read_text(log, lines=(6, 9))
    clipped = read_text(log, lines=(4, 900))
    assert clipped.line_count == 2 and any("has 5" in n for n in clipped.notes)


def test_crlf_is_stripped_and_last_line_without_newline_counts(tmp_path: Path) -> None:
    log = write(tmp_path / "win.log", b"one\r\ntwo\r\nthree")
    loaded = read_text(log)
    assert loaded.text == "one\ntwo\nthree" and loaded.line_count == 3


def test_invalid_utf8_is_replaced_and_counted(tmp_path: Path) -> None:
    log = write(tmp_path / "mixed.log", b"fine\nbad \xff\xfe bytes\nlatin1 caf\xe9\nok\n")
    loaded = read_text(log)
    assert loaded.text.splitlines()[1] == "bad \ufffd\ufffd bytes"
    assert "2 lines had invalid UTF-8" in " ".join(loaded.notes)
    with LogFile.open(log) as lf:
        lf.index(background=False)
        assert lf.invalid_utf8_lines == 2


@pytest.mark.parametrize("suffix,compress", [
    (".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_compressed_logs_read_transparently(tmp_path: Path, suffix: str, compress) -> None:
    log = write(tmp_path / f"app.log{suffix}", compress(numbered(3000)))
    loaded = read_text(log, tail=1)
    assert loaded.text == "line 3000" and loaded.first_line == 3000


def test_compression_is_told_by_content_not_name(tmp_path: Path) -> None:
    log = write(tmp_path / "app.log.1", gzip.compress(b"rotated and gzipped\n"))
    assert read_text(log).text == "rotated and gzipped"


@pytest.mark.skipif(importlib.util.find_spec("zstandard") is None, reason="zstandard not installed")
def test_zstd(tmp_path: Path) -> None:
    import zstandard

    log = write(tmp_path / "app.log.zst", zstandard.ZstdCompressor().compress(numbered(10)))
    assert read_text(log, lines=(10, 10)).text == "line 10"


def test_truncated_gzip_keeps_what_was_readable(tmp_path: Path) -> None:
    data = gzip.compress(numbered(50_000))
    log = write(tmp_path / "cut.log.gz", data[: len(data) // 2])
    loaded = read_text(log)
    assert loaded.line_count > 1000
    assert loaded.text.startswith("line 1\nline 2\n")
    assert any("stopped early" in n and "gzip" in n for n in loaded.notes)


def test_compressed_stdin_is_decompressed() -> None:
    code = "from logcore.reader import read_text; r = read_text('-', tail=1); print(r.line_count, r.text)"
    out = subprocess.run([sys.executable, "-c", code], input=gzip.compress(numbered(5000)),
                         capture_output=True, check=True)
    assert out.stdout.decode().strip() == "1 line 5000"


def test_stdin_is_spooled() -> None:
    code = "from logcore.reader import read_text; r = read_text('-', tail=2); print(r.source, r.first_line, repr(r.text))"
    out = subprocess.run([sys.executable, "-c", code], input=numbered(20000), capture_output=True, check=True)
    assert out.stdout.decode().strip() == "<stdin> 19999 'line 19999\\nline 20000'"


# -- refusals ------------------------------------------------------------------------------------

def assert_refused(path: str | Path, *words: str) -> None:
    with pytest.raises(LogInputError) as info:
        read_text(path)
    message = str(info.value)
    assert "\n" not in message and info.value.exit_code == ExitCode.INPUT
    for word in words:
        assert word in message


def test_missing_directory_and_empty_are_refused_in_one_line(tmp_path: Path) -> None:
    assert_refused(tmp_path / "nope.log", "does not exist")
    assert_refused(tmp_path, "is a directory")
    assert_refused(write(tmp_path / "empty.log", b""), "is empty")
    assert_refused(write(tmp_path / "empty.log.gz", gzip.compress(b"")), "is empty")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    log = write(tmp_path / "secret.log", b"x\n")
    log.chmod(0)
    assert_refused(log, "permission denied")


def test_binary_files_are_refused(tmp_path: Path) -> None:
    assert_refused(write(tmp_path / "a.out", b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 40), "binary")
    assert_refused(write(tmp_path / "ctrl.bin", bytes([1, 2, 3, 4, 5, 6, 14, 15]) * 1000), "binary")
    assert_refused(write(tmp_path / "utf16.log", "hello\n".encode("utf-16")), "UTF-16", "iconv")
    assert_refused(write(tmp_path / "utf16le.log", "no BOM here\n".encode("utf-16-le") * 50), "UTF-16")
    assert_refused(write(tmp_path / "bin.gz", gzip.compress(b"\x00\x01\x02" * 100)), "binary")


def test_nul_bytes_after_the_sniffed_head_are_shown_not_passed_on(tmp_path: Path) -> None:
    log = write(tmp_path / "crash.log", numbered(2000) + b"before\x00\x00after\n")
    loaded = read_text(log, tail=1)
    assert loaded.text == "before\u2400\u2400after"


# -- the random-access LogFile -------------------------------------------------------------------

def test_random_access_over_many_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("logcore.reader.CHUNK", 1000)  # many chunk boundaries, lines straddling them
    log = write(tmp_path / "big.log", numbered(50_000))
    with LogFile.open(log) as lf:
        lf.index()
        assert lf.wait_indexed(timeout=30)
        assert lf.line_count == 50_000 and lf.indexing_done
        assert lf.line(0) == "line 1"
        assert lf.line(37_411) == "line 37412"
        assert lf.lines(49_998, 60_000) == ["line 49999", "line 50000"]
        assert lf.index_bytes <= 8 * 50_000 + 1024
        with pytest.raises(IndexError):
            lf.line(50_000)


def test_tail_shows_before_indexing(tmp_path: Path) -> None:
    log = write(tmp_path / "big.log", numbered(200_000) + b"partial last")
    with LogFile.open(log) as lf:
        assert not lf.indexing_done and lf.line_count == 0
        assert lf.tail_lines(3) == ["line 199999", "line 200000", "partial last"]
        lf.index(background=False)
        assert lf.tail_lines(3) == ["line 199999", "line 200000", "partial last"]
        assert lf.line_count == 200_001


def test_fifty_megabyte_line_is_truncated_not_fatal(tmp_path: Path) -> None:
    huge = b"start " + b"x" * (50 << 20) + b" end"
    log = write(tmp_path / "huge.log", b"before\n" + huge + b"\nafter\n")
    with LogFile.open(log) as lf:
        assert lf.tail_lines(1) == ["after"]
        lf.index(background=False)
        assert lf.line_count == 3
        shown = lf.line(1, max_chars=100)
        assert shown.startswith("start xxx") and "truncated" in shown and "52,428,8" in shown
        assert len(shown) < 200
        assert len(lf.line(1)) < 1_000_100  # default cap
        assert lf.lines(0, 3, max_chars=50)[2] == "after"
    loaded = read_text(log)
    assert loaded.line_count == 3 and any("truncated" in n and "line 2" in n for n in loaded.notes)


def test_file_truncated_while_reading_does_not_crash(tmp_path: Path) -> None:
    log = write(tmp_path / "live.log", numbered(10_000))
    with LogFile.open(log) as lf:
        lf.index(background=False)
        os.truncate(log, 100)
        assert lf.line(9_999) == ""  # gone: an empty line, not SIGBUS or an exception
        assert lf.lines(9_990, 10_000) == [""] * 10
        append(log, b"after\n")
        update = lf.poll_follow()  # truncated: its 10,000 lines keep their numbers, the new content follows
        assert (update.start, update.stop) == (10_000, 10_014)  # 100 bytes = 13 lines and a partial one
        assert lf.line(10_000) == "line 1" and lf.line(10_013).endswith("after")
        assert lf.boundary_lines == [10_000] and "no longer on disk" in lf.boundary_text(0)


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def test_following_keeps_every_generation_readable(tmp_path: Path) -> None:
    log = write(tmp_path / "live.log", numbered(3))
    with LogFile.open(log) as lf:
        lf.index(background=False)
        append(log, b"line 4\nline 5 partial")
        update = lf.poll_follow()
        assert lf.line_count == 5 and lf.line(4) == "line 5 partial"
        assert (update.start, update.stop, update.rewritten) == (3, 4, False)  # only whole lines are new
        append(log, b" done\n")
        update = lf.poll_follow()
        assert lf.line_count == 5 and lf.line(4) == "line 5 partial done"
        assert (update.start, update.stop, update.rewritten) == (4, 5, True)  # a shown line changed
        assert lf.revision == 1
        log.rename(tmp_path / "live.log.1")  # rename + create
        write(log, numbered(2, start=100))
        append(tmp_path / "live.log.1", b"line 6 late, before the writer reopened\n")
        update = lf.poll_follow()
        assert (update.start, update.stop) == (5, 8)
        assert lf.lines(0, 8) == ["line 1", "line 2", "line 3", "line 4", "line 5 partial done",
                                  "line 6 late, before the writer reopened", "line 100", "line 101"]
        assert lf.boundary_lines == [6] and "6 lines above" in lf.boundary_text(0)
        append(log, b"line 102\n")
        (tmp_path / "live.log.1").write_bytes(log.read_bytes())  # copytruncate: copy, then truncate
        log.write_bytes(b"".join(b"regrown %d\n" % i for i in range(9)))  # regrows past our offset
        update = lf.poll_follow()
        assert (update.start, update.stop) == (8, 18)
        assert lf.line(8) == "line 102" and lf.line(9) == "regrown 0" and lf.line(17) == "regrown 8"
        assert lf.line(6) == "line 100"  # read from the copy now
        assert lf.boundary_lines == [6, 9] and "live.log.1" in lf.boundary_text(1)
        (tmp_path / "live.log.1").unlink()
        log.unlink()  # deleted, not yet recreated: keep what we have
        assert lf.poll_follow().stop == 18 and lf.line(17) == "regrown 8"


def test_utf8_count_is_exact_across_chunk_boundaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("logcore.reader.CHUNK", 7)  # multi-byte characters straddle every boundary
    good = "héllo wörld — ünïcode ✓\n".encode() * 40
    bad = b"caf\xe9 latin-1\n" * 3
    log = write(tmp_path / "mixed.log", good + bad + good + b"tail \xff")
    with LogFile.open(log) as lf:
        lf.index(background=False)
        assert lf.line_count == 84
        assert lf.invalid_utf8_lines == 3  # the unterminated last line is not counted until it ends
        assert lf.line(40) == "caf\ufffd latin-1" and lf.line(0) == "héllo wörld — ünïcode ✓"


def test_named_pipe_is_spooled_like_stdin(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"printf 'a\\nb\\nc\\n' > {fifo}"])
    try:
        loaded = read_text(fifo, lines=(2, 3))
    finally:
        writer.wait(timeout=10)
    assert loaded.text == "b\nc"


def test_tail_of_a_compressed_file_without_indexing_first(tmp_path: Path) -> None:
    log = write(tmp_path / "big.log.gz", gzip.compress(numbered(100_000)))
    with LogFile.open(log) as lf:
        assert lf.tail_lines(2) == ["line 99999", "line 100000"]
        assert lf.line_count == 100_000


def test_pages_of_lines_are_cleaned_like_single_lines(tmp_path: Path) -> None:
    head = numbered(1000)  # keeps the NUL byte past the 8 KiB a binary file is told by
    log = write(tmp_path / "page.log", head + b"short\r\n" + b"z" * 40 + b"\r\nnul\x00here\nbad\xff\nlast")
    with LogFile.open(log) as lf:
        lf.index(background=False)
        page = lf.lines(1000, 1005, max_chars=20)
        assert page == [lf.line(i, max_chars=20) for i in range(1000, 1005)]
        assert page[0] == "short" and page[1].startswith("z" * 20 + " … [line truncated")
        assert page[2:] == ["nul\u2400here", "bad\ufffd", "last"]
        assert lf.decoded(1000, 1005, max_chars=20).truncated == [1]
        assert lf.decoded(1000, 1005).invalid_utf8 == [3]
