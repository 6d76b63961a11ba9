"""test_startup.py - the shared libraries `cascade` needs at start.

usage: test_startup.py CASCADE static|shared

With HDF5 linked statically (meson option static_hdf5, the default where
Debian's archives are installed) the program must not need HDF5's shared
library, nor libcurl and the network and crypto libraries it drags in:
binding those made starting the program 30 times the work of starting it
without them (bench/RESULTS.md). With shared HDF5 it needs libhdf5.
Either way the program starts and answers --version.
"""

import subprocess
import sys
import unittest

CASCADE, MODE = sys.argv[1], sys.argv[2]


def needed(path):
    """The DT_NEEDED entries of an ELF file (readelf -d)."""
    out = subprocess.run(["readelf", "-d", path], check=True,
                         capture_output=True, text=True).stdout
    return [line.split("[", 1)[1].rstrip("]").strip()
            for line in out.splitlines() if "(NEEDED)" in line]


class Startup(unittest.TestCase):
    def test_libraries_needed(self):
        libs = needed(CASCADE)
        hdf5 = [lib for lib in libs if lib.startswith("libhdf5")]
        if MODE == "static":
            self.assertEqual(hdf5, [], f"static HDF5, yet it needs {hdf5}")
            for name in ("libcurl", "libgnutls", "libssl", "libcrypto"):
                self.assertFalse(any(lib.startswith(name) for lib in libs),
                                 f"{name} needed: {libs}")
        else:
            self.assertNotEqual(hdf5, [], f"shared HDF5 not needed: {libs}")

    def test_starts(self):
        r = subprocess.run([CASCADE, "--version"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("cascade "), r.stdout)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
