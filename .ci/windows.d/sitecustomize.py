"""Wine 8 (Debian bookworm) gaps, patched in the embedded Windows Python ONLY.

.ci/windows copies this file into the embedded CPython's Lib\\site-packages;
site imports it at start-up. Nothing here is bpcli's: on a real Windows none
of it is needed. Set BPCLI_WINE_RAW=1 (.ci/windows --raw) to leave it out
and see the gaps bare. Each patch is for one thing wine 8 lacks:
"""

import os
import sys

# 1. _wmi: wine 8's propsys.dll has no VariantToString, and _wmi.exec_query
#    calls it: the whole process aborts ("Unimplemented function
#    propsys.dll.VariantToString ... starting debugger"), not an exception.
#    platform.system(), release(), version(), machine(), win32_ver(),
#    platform(), uname() all query WMI on 3.12+. With _wmi unimportable,
#    platform takes its own fallback (sys.getwindowsversion and `ver`), as
#    it does on a Windows without WMI.
sys.modules["_wmi"] = None  # type: ignore[assignment]  # import _wmi -> ImportError

# 2. CopyFile2: wine 8's kernel32 has no CopyFile2; shutil.copy2 (3.12+)
#    calls _winapi.CopyFile2 when it exists and the process aborts
#    ("Unimplemented function KERNEL32.dll.CopyFile2"). shutil checks
#    hasattr(_winapi, "CopyFile2") at each call: without it, copy2 is
#    copyfile + copystat, as before 3.12.
try:
    import _winapi

    del _winapi.CopyFile2
except (ImportError, AttributeError):
    pass

# 3. os.fstat on a disk file: Python 3.12+ asks GetFileInformationByHandleEx
#    for FileIdInfo; wine 8's ntdll answers it through the mount manager
#    with a 32-byte buffer, gets STATUS_BUFFER_OVERFLOW, and fstat fails:
#    "OSError: [WinError 6] Invalid handle" (os.stat(path) works). Here a
#    failed fstat of a disk file is answered by os.stat of the file's own
#    path (GetFinalPathNameByHandleW), the same st_dev/st_ino os.stat gives.
#    (The same gap makes a Python whose standard input, output or error is a
#    regular file die at start-up, before this file runs: .ci/windows only
#    ever gives python.exe pipes or /dev/null.)
_fstat = os.fstat


def _fstat_by_path(fd):
    try:
        return _fstat(fd)
    except OSError as exc:
        if getattr(exc, "winerror", None) != 6:
            raise
        import ctypes
        import msvcrt

        handle = msvcrt.get_osfhandle(fd)  # a truly bad fd raises here
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.GetFinalPathNameByHandleW.argtypes = [
            ctypes.c_void_p, ctypes.c_wchar_p, ctypes.c_uint32, ctypes.c_uint32,
        ]
        buf = ctypes.create_unicode_buffer(32768)
        n = kernel32.GetFinalPathNameByHandleW(handle, buf, len(buf), 0)
        if not n or n >= len(buf):
            raise
        return os.stat(buf.value)


_fstat_by_path.__doc__ = _fstat.__doc__
os.fstat = _fstat_by_path
