#!/usr/bin/python3
"""valgrind's memcheck on `cascade validate` and `cascade run -n 2` for
every shipped scenario (scenarios/*.yaml, so new ones are picked up): no
memory errors and no definite leaks. HDF5 keeps "still reachable" memory
until exit by design; that is not counted.

usage: valgrind_scenarios.py CASCADE_BINARY SCENARIOS_DIR
"""
import glob
import os
import subprocess
import sys
import tempfile
import time

VALGRIND = ['valgrind', '--error-exitcode=99', '--leak-check=full',
            '--errors-for-leak-kinds=definite', '--show-leak-kinds=definite',
            '--track-origins=no', '--quiet']


def main():
    cascade, scenarios = os.path.abspath(sys.argv[1]), sys.argv[2]
    files = sorted(glob.glob(os.path.join(scenarios, '*.yaml')))
    if not files:
        print(f'no scenarios in {scenarios}')
        return 1
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            name = os.path.basename(path)
            out = os.path.join(tmp, name.replace('.yaml', '.h5'))
            for args in (['validate', path],
                         ['run', path, '-n', '2', '-q', '-o', out]):
                start = time.monotonic()
                r = subprocess.run(VALGRIND + [cascade, *args],
                                   capture_output=True, text=True,
                                   timeout=1100)
                took = time.monotonic() - start
                ok = r.returncode == 0
                print(f'{"ok  " if ok else "FAIL"} {" ".join(args[:2])} '
                      f'({took:.1f} s, exit {r.returncode})')
                if not ok:
                    failed += 1
                    print(r.stderr[-6000:])
    print(f'{len(files)} scenarios, {failed} failures')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
