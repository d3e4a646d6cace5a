"""Wine 8 (Debian bookworm) gaps, patched in the embedded Windows Python ONLY.

.ci/windows copies this file into the embedded CPython's Lib\\site-packages;
site imports it at start-up. Nothing here is bpcli's: on a real Windows none
of it is needed. `.ci/windows --raw` leaves it out, to see the gaps bare.
Each patch is for one thing wine 8 lacks. (One more gap cannot be patched
here: python.exe dies at start-up, before site runs, when its standard
input, output or error is a regular file; .ci/windows gives it pipes.)
"""

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
