"""The site folder (share.site_dir): a shared filesystem path many users write bundles to.

No database: NFS locking is unreliable, so SQLite is not used there. Each imported bundle is one file,
``bundles/<checksum>.json``, written to a temporary file in the same folder, flushed and then renamed into place
(``os.replace`` is atomic on POSIX filesystems, NFS included), so a reader never sees half a bundle and two users
importing the same bundle write the same name. The site salt is created once with O_CREAT|O_EXCL; whoever
loses the race reads the winner's salt.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asba.errors import InputError
from asba.share.bundle import DEFAULT_MAX_BYTES, BundleError, canonical, read_bundle

SALT_FILE = "site-salt"
BUNDLES = "bundles"


class SiteDir:
    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    @property
    def bundle_dir(self) -> Path:
        return self.root / BUNDLES

    def salt(self) -> bytes:
        """The site's secret salt (created on first use; readable by the site's users, not part of any bundle)."""
        path = self.root / SALT_FILE
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                text = path.read_text(encoding="ascii").strip()
            else:
                text = secrets.token_hex(32)
                with os.fdopen(fd, "w", encoding="ascii") as handle:
                    handle.write(text + "\n")
                    handle.flush()
                    os.fsync(handle.fileno())
        except OSError as exc:
            raise InputError(f"cannot read or create the site salt: {exc.strerror}", where=str(path),
                             code="ASBA-SHARE-010", hint="check share.site_dir and its permissions") from None
        if len(text) < 32 or any(c not in "0123456789abcdef" for c in text):
            raise InputError("the site salt file is damaged", where=str(path), code="ASBA-SHARE-010",
                             hint="ask the site's asba owner; every bundle key depends on it")
        return bytes.fromhex(text)

    def add(self, doc: dict[str, Any]) -> tuple[Path, bool]:
        """Store one checked bundle; returns its path and whether it was new."""
        target = self.bundle_dir / (doc["checksum"].split(":", 1)[1] + ".json")
        if target.exists():
            return target, False
        write_atomic(target, canonical(doc) + b"\n")
        return target, True

    def bundles(self) -> Iterator[dict[str, Any]]:
        """Every stored bundle that still reads as valid (a damaged file is skipped, never trusted)."""
        if not self.bundle_dir.is_dir():
            return
        for path in sorted(self.bundle_dir.glob("*.json")):
            try:
                yield read_bundle(path, self.max_bytes)
            except BundleError:
                continue

    def count(self) -> int:
        return len(list(self.bundle_dir.glob("*.json"))) if self.bundle_dir.is_dir() else 0


def write_atomic(target: Path, data: bytes) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", where=str(target), code="ASBA-SHARE-011",
                         hint="check that the folder exists and you can write to it") from None


def site_for(cfg: Any) -> SiteDir:
    """The site folder of a configuration: share.site_dir, else $ASBA_HOME/share."""
    from asba.paths import asba_home

    root = cfg.get("share.site_dir", None)
    return SiteDir(Path(root).expanduser() if root else asba_home() / "share",
                   int(cfg.get("share.max_bundle_bytes", DEFAULT_MAX_BYTES)))
