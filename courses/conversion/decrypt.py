"""Remove the password from an encrypted .pptx or .ppt (msoffcrypto-tool)."""

from __future__ import annotations

from pathlib import Path

import msoffcrypto
from msoffcrypto.exceptions import DecryptionError, FileFormatError, InvalidKeyError

from .errors import CorruptFile, EncryptedFile, WrongPassword, gettext_noop


def is_encrypted(path: str | Path) -> bool:
    """True for an OLE container holding an encrypted OOXML package or an encrypted .ppt."""
    try:
        with Path(path).open("rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:  # noqa: BLE001 - unknown or odd containers are not encrypted ones
        return False


def decrypt(path: str | Path, password: str, out_path: str | Path) -> Path:
    """Write a decrypted copy of ``path`` to ``out_path`` and return it.

    The password is used once and kept nowhere (not in the exception either). Raises
    :class:`WrongPassword`, or :class:`EncryptedFile` when the encryption kind is unsupported.
    """
    out_path = Path(out_path)
    if not password:
        raise EncryptedFile()
    try:
        with Path(path).open("rb") as fh:
            office = msoffcrypto.OfficeFile(fh)
            if not office.is_encrypted():
                raise EncryptedFile(detail="file is not encrypted")
            office.load_key(password=password)
            with out_path.open("wb") as out:
                office.decrypt(out)
    except InvalidKeyError:
        out_path.unlink(missing_ok=True)
        raise WrongPassword(detail="key verification failed") from None
    except (DecryptionError, FileFormatError, NotImplementedError) as exc:
        out_path.unlink(missing_ok=True)
        raise EncryptedFile(
            gettext_noop(
                "This presentation uses a kind of password protection that cannot be removed "
                "here. Remove the password in PowerPoint and upload it again."
            ),
            detail=f"{type(exc).__name__}",
        ) from None
    except EncryptedFile:
        out_path.unlink(missing_ok=True)
        raise
    except Exception as exc:  # noqa: BLE001 - msoffcrypto asserts/raises odd types on bad input
        out_path.unlink(missing_ok=True)
        raise CorruptFile(detail=f"decrypt: {type(exc).__name__}") from None
    return out_path
